"""Profiles as data: built-ins, user files (incl. OpenShift SCC objects), ordering."""

from __future__ import annotations

from pathlib import Path

import pytest

from unroot.errors import InputError, UsageError
from unroot.policy.scc import admit, builtin_profiles, load_profiles, order, parse_profile
from unroot.policy.scc.profile import (
    IDRange,
    _yaml_documents,
    builtin_documents,
    restrictiveness,
)
from unroot.policy.uidrange import parse_range

BUILTINS = {"restricted-v2", "restricted-v3", "nonroot-v2", "anyuid", "privileged"}


def test_builtins_present_and_typed() -> None:
    profiles = builtin_profiles()
    assert set(profiles) == BUILTINS
    r2 = profiles["restricted-v2"]
    assert r2.run_as_user == "MustRunAsRange" and r2.requiredDropCapabilities == ("ALL",)
    assert r2.allowedCapabilities == ("NET_BIND_SERVICE",)
    assert profiles["anyuid"].priority == 10
    assert profiles["restricted-v3"].userNamespaceLevel == "RequirePodLevel"


def test_builtin_files_read_alike_by_yaml_1_1_and_1_2() -> None:
    # the shipped files are read by libyaml (YAML 1.1) for speed, user files by ruamel (1.2):
    # the shipped data must mean the same under both, with the same types
    from importlib import resources

    folder = resources.files("unroot.policy.scc") / "profiles"
    files = [e for e in folder.iterdir() if e.name.endswith(".yaml")]
    assert len(files) == len(BUILTINS)
    for entry in files:
        text = entry.read_text("utf-8")
        fast, slow = builtin_documents(text), _yaml_documents(text, entry.name)
        assert fast == slow, entry.name
        assert repr(fast) == repr(slow), entry.name  # 1 vs True vs 1.0 differ here


def test_order_priority_then_restrictiveness_then_name() -> None:
    profiles = builtin_profiles()
    names = [p.name for p in order(profiles.values())]
    assert names[0] == "anyuid"  # priority 10
    rest = [profiles[n] for n in names[1:]]
    scores = [restrictiveness(p) for p in rest]
    assert scores == sorted(scores)
    assert names[-1] == "privileged"
    twin_a = parse_profile({"name": "b-twin"}, "t")
    twin_b = parse_profile({"name": "a-twin"}, "t")
    assert [p.name for p in order([twin_a, twin_b])] == ["a-twin", "b-twin"]


def test_openshift_scc_object_is_accepted(tmp_path: Path) -> None:
    scc = tmp_path / "scc.yaml"
    scc.write_text(
        """\
apiVersion: security.openshift.io/v1
kind: SecurityContextConstraints
metadata:
  name: fixed-uid
users: [system:serviceaccount:demo:app]
priority: 5
runAsUser:
  type: MustRunAs
  uid: 4242
seLinuxContext: {type: RunAsAny}
fsGroup:
  type: MustRunAs
  ranges: [{min: 100, max: 200}]
supplementalGroups: {type: RunAsAny}
requiredDropCapabilities: [CAP_ALL]
volumes: ["*"]
"""
    )
    profiles = load_profiles([tmp_path])
    prof = profiles["fixed-uid"]
    assert prof.uid == 4242 and prof.fs_group_ranges == (IDRange(100, 200),)
    assert prof.requiredDropCapabilities == ("ALL",)
    obj = {
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }
    decision = admit(
        obj,
        profiles=profiles,
        allowed_profiles=["fixed-uid", "restricted-v2"],
        uid_range=parse_range("1000680000/10000"),
    )
    assert decision.profile == "fixed-uid"  # priority 5 beats restricted-v2
    values = {op["path"]: op["value"] for op in decision.patch}
    assert values["/spec/containers/0/securityContext"]["runAsUser"] == 4242
    assert values["/spec/securityContext"]["fsGroup"] == 100


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"priority": 1}, "needs a name"),
        ({"name": "x", "runAsUser": {"type": "Sometimes"}}, "runAsUser.type"),
        ({"name": "x", "runAsUser": {"type": "MustRunAs"}}, "needs uid"),
        ({"name": "x", "allowHostPID": "yes"}, "true or false"),
        ({"name": "x", "volumes": "all"}, "list of strings"),
        (
            {"name": "x", "fsGroup": {"type": "MustRunAs", "ranges": [{"min": 5, "max": 1}]}},
            "greater than",
        ),
        ({"name": "x", "runAsUser": {"type": "MustRunAsRange", "uidRangeMin": 1}}, "both"),
        ({"name": "x", "allowHostNetwrok": True}, "unknown profile field"),
        ({"name": "x", "userNamespaceLevel": "Maybe"}, "userNamespaceLevel"),
        ("not a mapping", "mapping"),
    ],
)
def test_bad_profiles(data: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_profile(data, "p.yaml")


def test_profile_file_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_profiles([tmp_path / "missing"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [\n")
    with pytest.raises(InputError, match=r"bad\.yaml"):
        load_profiles([bad])
    one, two = tmp_path / "d" / "1.yaml", tmp_path / "d" / "2.yaml"
    one.parent.mkdir()
    one.write_text("name: dup\n")
    two.write_text("name: dup\n")
    with pytest.raises(UsageError, match="defined twice"):
        load_profiles([one.parent])


def test_user_profile_overrides_builtin(tmp_path: Path) -> None:
    f = tmp_path / "r.yaml"
    f.write_text("name: restricted-v2\nrunAsUser: {type: RunAsAny}\n")
    assert load_profiles([f])["restricted-v2"].run_as_user == "RunAsAny"
    assert builtin_profiles()["restricted-v2"].run_as_user == "MustRunAsRange"
