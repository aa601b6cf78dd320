"""SCCs as data: the built-ins, SCC objects and the short form from files, ordering."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from unroot.errors import InputError, UsageError
from unroot.policy.scc import admit, builtin_profiles, load_profiles, order, parse_profile
from unroot.policy.scc.defaults import apply_defaults
from unroot.policy.scc.model import IDRange
from unroot.policy.scc.profile import scc_from_object
from unroot.policy.uidrange import parse_range

PROFILES_DIR = (
    Path(__file__).resolve().parents[3] / "src" / "unroot" / "policy" / "scc" / "profiles"
)

# The SCCs OpenShift's admission plugin waits for before it admits anything
# (sccadmission.standardSCCNames). The operator also installs restricted-v3 (user namespaces)
# and hostmount-anyuid-v2 (host mounts with any SELinux label).
STANDARD = {
    "anyuid",
    "hostaccess",
    "hostmount-anyuid",
    "hostnetwork",
    "hostnetwork-v2",
    "nonroot",
    "nonroot-v2",
    "privileged",
    "restricted",
    "restricted-v2",
}


def test_builtins_are_openshifts_default_sccs() -> None:
    assert set(builtin_profiles()) == STANDARD | {"restricted-v3", "hostmount-anyuid-v2"}


def test_builtins_are_stored_objects() -> None:
    """Each file is a complete SCC as a cluster stores it: the API server's defaulting
    changes nothing, and reading it as given or defaulted gives the same SCC."""
    for path in sorted(PROFILES_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text())
        assert raw["kind"] == "SecurityContextConstraints", path
        assert raw["metadata"]["name"] == path.stem
        defaulted = apply_defaults(raw)
        assert {k: v for k, v in defaulted.items() if k != "userNamespaceLevel"} == {
            k: v for k, v in raw.items() if k != "userNamespaceLevel"
        }, path
        as_given = scc_from_object(raw, str(path), defaulted=False)
        stored = scc_from_object(raw, str(path), defaulted=True)
        assert as_given.volumes == stored.volumes
        assert as_given.seccomp_profiles == stored.seccomp_profiles


def test_order_is_the_one_a_real_cluster_reports() -> None:
    """The providers in an OpenShift 4.21 denial (public bug reports quoting SCC denials list
    them in the order tried), reduced to the built-ins."""
    seen_on_cluster = [
        "anyuid",
        "restricted-v2",
        "restricted-v3",
        "restricted",
        "nonroot-v2",
        "nonroot",
        "hostmount-anyuid",
        "hostmount-anyuid-v2",
        "hostnetwork-v2",
        "hostnetwork",
        "hostaccess",
        "privileged",
    ]
    assert [p.name for p in order(builtin_profiles().values())] == seen_on_cluster
    twin_a = parse_profile({"name": "b-twin"}, "t")
    twin_b = parse_profile({"name": "a-twin"}, "t")
    assert [p.name for p in order([twin_a, twin_b])] == ["a-twin", "b-twin"]


def test_restricted_v2_as_documented() -> None:
    r2 = builtin_profiles()["restricted-v2"]
    assert r2.run_as_user_type == "MustRunAsRange" and r2.uid_range_min is None
    assert r2.required_drop_capabilities == ("ALL",)
    assert r2.allowed_capabilities == ("NET_BIND_SERVICE",)
    assert r2.allow_privilege_escalation is False
    assert r2.seccomp_profiles == ("runtime/default",)
    assert r2.fs_group_type == "MustRunAs" and r2.supplemental_groups_type == "RunAsAny"
    assert "hostPath" not in r2.volumes and "*" not in r2.volumes
    anyuid = builtin_profiles()["anyuid"]
    assert anyuid.priority == 10 and anyuid.seccomp_profiles is None
    assert builtin_profiles()["restricted-v3"].user_namespace_level == "RequirePodLevel"


EXPORT = """\
apiVersion: v1
kind: List
items:
- apiVersion: security.openshift.io/v1
  kind: SecurityContextConstraints
  metadata:
    name: fixed-uid
    creationTimestamp: "2025-01-01T00:00:00Z"
  users: [system:serviceaccount:demo:app]
  priority: 5
  allowHostDirVolumePlugin: false
  runAsUser:
    type: MustRunAs
    uid: 4242
  seLinuxContext: {type: RunAsAny}
  fsGroup:
    type: MustRunAs
    ranges: [{min: 100, max: 200}]
  requiredDropCapabilities: [CAP_ALL]
  volumes: null
"""


def test_cluster_export_is_read_with_api_server_defaulting(tmp_path: Path) -> None:
    (tmp_path / "sccs.yaml").write_text(EXPORT)
    profiles = load_profiles([tmp_path])
    scc = profiles["fixed-uid"]
    assert scc.uid == 4242 and scc.fs_group_ranges == (IDRange(100, 200),)
    assert scc.supplemental_groups_type == "RunAsAny"  # defaulted
    assert scc.user_namespace_level == "AllowHostLevel"  # defaulted
    assert "hostPath" not in scc.volumes and "secret" in scc.volumes  # null: all but hostPath
    assert scc.required_drop_capabilities == ("CAP_ALL",)  # names are kept as written
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
        ({"name": "x", "volumes": ["hostpath"]}, "unknown volume type"),
        (
            {"name": "x", "fsGroup": {"type": "MustRunAs", "ranges": [{"min": 5, "max": 1}]}},
            "greater than",
        ),
        ({"name": "x", "runAsUser": {"type": "MustRunAsRange", "uidRangeMin": 1}}, "both"),
        ({"name": "x", "allowHostNetwrok": True}, "unknown profile field"),
        ({"name": "x", "userNamespaceLevel": "Maybe"}, "userNamespaceLevel"),
        ({"name": "x", "runAsGroup": {"type": "MustRunAs"}}, "runAsGroup"),
        (
            {"kind": "SecurityContextConstraints", "metadata": {"name": "x"}, "priority": "1"},
            "priority",
        ),
        ({"kind": "SecurityContextConstraints", "metadata": {}}, "metadata.name"),
        ("not a mapping", "mapping"),
    ],
)
def test_bad_profiles(data: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_profile(data, "p.yaml")


def test_as_given_reads_what_upstream_would_fail_at_admission() -> None:
    """Admission requests carry SCCs as built: MustRunAs without uid is not a reading error,
    it fails the request (see the conformance corpus), and nothing is defaulted."""
    obj = {
        "kind": "SecurityContextConstraints",
        "metadata": {"name": "bare"},
        "runAsUser": {"type": "MustRunAs"},
        "volumes": None,
    }
    scc = scc_from_object(obj, "req", defaulted=False)
    assert scc.uid is None and scc.volumes == () and scc.fs_group_type == ""
    assert scc.allow_privilege_escalation is None and scc.seccomp_profiles is None


def test_short_form_keeps_its_meaning() -> None:
    """unroot's own short profile form: restrictive unless said otherwise, any seccomp."""
    scc = parse_profile({"name": "mine", "allowedCapabilities": ["cap_net_raw"]}, "t")
    assert scc.allow_privilege_escalation is False
    assert scc.required_drop_capabilities == ("ALL",)
    assert scc.allowed_capabilities == ("NET_RAW",)
    assert scc.run_as_user_type == "RunAsAny" and scc.selinux_type == "RunAsAny"
    assert scc.volumes == ("none",) and scc.seccomp_profiles == ("*",)


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
    assert load_profiles([f])["restricted-v2"].run_as_user_type == "RunAsAny"
    assert builtin_profiles()["restricted-v2"].run_as_user_type == "MustRunAsRange"
