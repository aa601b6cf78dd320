"""SCC admission of workloads (:func:`unroot.policy.scc.admit`): OpenShift's restricted-v2
example, denials naming their field, the order SCCs are tried in, patches, offline namespaces."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch as pypi_jsonpatch  # type: ignore[import-untyped]
import pytest

from unroot.errors import InputError, UsageError
from unroot.policy import jsonpatch
from unroot.policy.psa import evaluate
from unroot.policy.scc import PROFILE_ANNOTATION, admit, builtin_profiles
from unroot.policy.uidrange import UIDRange, parse_range

PROFILES = builtin_profiles()
RANGE_TEXT = "1000680000/10000"
NS = {"openshift.io/sa.scc.uid-range": RANGE_TEXT, "openshift.io/sa.scc.mcs": "s0:c26,c5"}


def pod(**container_sc: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "app", "image": "registry.example/app:1"}
    if container_sc:
        c["securityContext"] = dict(container_sc)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [c]},
    }


def patched(obj: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    ours = jsonpatch.apply(copy.deepcopy(obj), copy.deepcopy(ops))
    theirs = pypi_jsonpatch.JsonPatch(copy.deepcopy(ops)).apply(copy.deepcopy(obj))
    assert ours == theirs
    result: dict[str, Any] = ours
    return result


def test_openshift_restricted_v2_mutation() -> None:
    """The acceptance example: a bare pod in a namespace with uid-range 1000680000/10000."""
    obj = pod()
    decision = admit(
        obj,
        profiles=PROFILES,
        allowed_profiles=["restricted-v2"],
        uid_range=None,
        namespace_annotations=NS,
    )
    assert decision.allowed and decision.profile == "restricted-v2" and not decision.reasons
    start = parse_range(RANGE_TEXT).start
    out = patched(obj, decision.patch)
    c_sc = out["spec"]["containers"][0]["securityContext"]
    assert c_sc["runAsUser"] == start
    assert c_sc["runAsNonRoot"] is True
    assert c_sc["capabilities"] == {"drop": ["ALL"]}
    assert c_sc["allowPrivilegeEscalation"] is False
    p_sc = out["spec"]["securityContext"]
    assert p_sc["fsGroup"] == start
    assert p_sc["seLinuxOptions"] == {"level": NS["openshift.io/sa.scc.mcs"]}
    assert p_sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert out["metadata"]["annotations"] == {PROFILE_ANNOTATION: "restricted-v2"}
    # what OpenShift itself records on the pod is reported apart from the patch
    assert decision.annotations == {
        "openshift.io/scc": "restricted-v2",
        "security.openshift.io/validated-scc-subject-type": "user",
        "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
    }
    # restricted-v2 leaves supplemental groups alone (RunAsAny)
    assert "supplementalGroups" not in p_sc
    # parents missing in the original are created by one add each
    assert {op["op"] for op in decision.patch} == {"add"}
    assert obj == pod()  # the input is not modified


def test_mutated_pod_passes_pod_security_restricted_latest() -> None:
    obj = pod()
    assert not evaluate(obj, "restricted", "latest").allowed
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert evaluate(patched(obj, decision.patch), "restricted", "latest").allowed


def test_root_pod_denied_naming_field_and_range() -> None:
    decision = admit(pod(runAsUser=0), profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert not decision.allowed and decision.patch == []
    rng = parse_range(RANGE_TEXT)
    [reason] = decision.reasons
    assert reason.field_path == "spec.containers[0].securityContext.runAsUser"
    assert reason.profile == "restricted-v2"
    assert f"[{rng.start}, {rng.last}]" in reason.message and "0" in reason.message


def test_pod_level_uid_outside_range_is_reported_per_container_at_the_pod_field() -> None:
    obj = pod()
    obj["spec"]["containers"].append({"name": "b", "image": "x"})
    obj["spec"]["securityContext"] = {"runAsUser": 1000}
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    # upstream checks each container's effective UID; the evidence is the pod-level field
    assert [r.field_path for r in decision.reasons] == ["spec.securityContext.runAsUser"] * 2
    assert [r.message.split(":")[0] for r in decision.reasons] == [
        "containers[0].runAsUser",
        "containers[1].runAsUser",
    ]


def test_uid_inside_range_kept() -> None:
    uid = parse_range(RANGE_TEXT).start + 42
    obj = pod(runAsUser=uid)
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert decision.allowed
    assert (
        patched(obj, decision.patch)["spec"]["containers"][0]["securityContext"]["runAsUser"] == uid
    )


def test_no_range_is_a_reason_not_a_crash() -> None:
    decision = admit(pod(), profiles=PROFILES, uid_range=None)
    assert not decision.allowed
    assert "uid-range" in decision.reasons[0].message


def test_anyuid_has_priority_when_allowed() -> None:
    allowed = ["restricted-v2", "anyuid"]
    root = admit(
        pod(runAsUser=0),
        profiles=PROFILES,
        allowed_profiles=allowed,
        uid_range=parse_range(RANGE_TEXT),
    )
    assert root.allowed and root.profile == "anyuid"
    # anyuid requires MKNOD dropped and fills it in
    out = patched(pod(runAsUser=0), root.patch)
    assert out["spec"]["containers"][0]["securityContext"]["capabilities"] == {"drop": ["MKNOD"]}


def test_most_restrictive_first_among_equal_priority() -> None:
    allowed = ["privileged", "nonroot-v2", "restricted-v2"]
    decision = admit(
        pod(), profiles=PROFILES, allowed_profiles=allowed, uid_range=parse_range(RANGE_TEXT)
    )
    assert decision.profile == "restricted-v2"
    # a privileged pod falls through to the privileged profile
    decision = admit(
        pod(privileged=True),
        profiles=PROFILES,
        allowed_profiles=allowed,
        uid_range=parse_range(RANGE_TEXT),
    )
    assert decision.profile == "privileged"
    # no allowed profile admits: reasons from every profile tried
    denied = admit(
        pod(privileged=True),
        profiles=PROFILES,
        allowed_profiles=["restricted-v2", "nonroot-v2"],
        uid_range=parse_range(RANGE_TEXT),
    )
    assert not denied.allowed
    assert {r.profile for r in denied.reasons} == {"restricted-v2", "nonroot-v2"}
    assert all(r.field_path.endswith("securityContext.privileged") for r in denied.reasons)


def test_nonroot_v2_fills_run_as_non_root_and_refuses_root() -> None:
    ok = admit(pod(), profiles=PROFILES, allowed_profiles=["nonroot-v2"], uid_range=None)
    assert ok.allowed
    sc = patched(pod(), ok.patch)["spec"]["containers"][0]["securityContext"]
    assert sc["runAsNonRoot"] is True and "runAsUser" not in sc
    bad = admit(
        pod(runAsUser=0), profiles=PROFILES, allowed_profiles=["nonroot-v2"], uid_range=None
    )
    assert not bad.allowed and "root UID" in bad.reasons[0].message
    explicit = admit(
        pod(runAsNonRoot=False), profiles=PROFILES, allowed_profiles=["nonroot-v2"], uid_range=None
    )
    assert explicit.reasons[0].field_path.endswith("runAsNonRoot")


def test_restricted_v3_requires_user_namespace_and_does_not_fill_it_in() -> None:
    unset = admit(pod(), profiles=PROFILES, allowed_profiles=["restricted-v3"], uid_range=None)
    assert not unset.allowed
    [reason] = unset.reasons
    assert reason.field_path == "spec.hostUsers"
    assert reason.message == (
        'spec.securityContext.hostUsers: Invalid value: "null": Host Users must be set to false'
    )
    obj = pod()
    obj["spec"]["hostUsers"] = False
    ok = admit(obj, profiles=PROFILES, allowed_profiles=["restricted-v3"], uid_range=None)
    assert ok.allowed
    out = patched(obj, ok.patch)
    v3 = PROFILES["restricted-v3"]
    assert out["spec"]["containers"][0]["securityContext"]["runAsUser"] == v3.uid_range_min
    assert out["spec"]["securityContext"]["fsGroup"] == 1000
    assert out["spec"]["securityContext"]["supplementalGroups"] == [1000]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda s: s["containers"][0].update(
                securityContext={"capabilities": {"add": ["NET_ADMIN"]}}
            ),
            "spec.containers[0].securityContext.capabilities.add[0]",
        ),
        (
            lambda s: s["containers"][0].update(securityContext={"allowPrivilegeEscalation": True}),
            "spec.containers[0].securityContext.allowPrivilegeEscalation",
        ),
        (lambda s: s.update(hostNetwork=True), "spec.hostNetwork"),
        (lambda s: s.update(hostPID=True), "spec.hostPID"),
        (
            lambda s: s["containers"][0].update(ports=[{"containerPort": 80, "hostPort": 80}]),
            "spec.containers[0].ports[0].hostPort",
        ),
        (
            lambda s: s.update(volumes=[{"name": "h", "hostPath": {"path": "/"}}]),
            "spec.volumes[0].hostPath",
        ),
        (
            lambda s: s.update(volumes=[{"name": "n", "nfs": {"server": "x", "path": "/"}}]),
            "spec.volumes[0].nfs",
        ),
        (
            lambda s: s.update(securityContext={"seccompProfile": {"type": "Unconfined"}}),
            "spec.securityContext.seccompProfile",
        ),
        (lambda s: s.update(securityContext={"fsGroup": 0}), "spec.securityContext.fsGroup"),
        (
            lambda s: s.update(securityContext={"seLinuxOptions": {"type": "spc_t"}}),
            "spec.securityContext.seLinuxOptions.type",
        ),
        (
            lambda s: s.update(
                securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}
            ),
            "spec.securityContext.sysctls[0].name",
        ),
    ],
)
def test_restricted_v2_denials_name_the_field(mutate: Any, field: str) -> None:
    obj = pod()
    mutate(obj["spec"])
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert not decision.allowed
    assert field in [r.field_path for r in decision.reasons]


def test_net_bind_service_allowed_with_drop_all() -> None:
    obj = pod(capabilities={"add": ["NET_BIND_SERVICE"]})
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert decision.allowed
    caps = patched(obj, decision.patch)["spec"]["containers"][0]["securityContext"]["capabilities"]
    assert caps == {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}
    # the existing capabilities object gets a new key, not a replacement
    assert {
        "op": "add",
        "path": "/spec/containers/0/securityContext/capabilities/drop",
        "value": ["ALL"],
    } in decision.patch


def test_capability_lists_are_rewritten_sorted_when_a_drop_is_added() -> None:
    obj = pod(capabilities={"drop": ["NET_RAW"]})
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    caps = patched(obj, decision.patch)["spec"]["containers"][0]["securityContext"]["capabilities"]
    assert caps == {"drop": ["ALL", "NET_RAW"]}
    # a list that already holds the required drop is kept as written
    kept = pod(capabilities={"drop": ["NET_RAW", "ALL"]})
    decision = admit(kept, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    caps = patched(kept, decision.patch)["spec"]["containers"][0]["securityContext"]["capabilities"]
    assert caps == {"drop": ["NET_RAW", "ALL"]}


def test_capability_names_are_matched_exactly() -> None:
    """OpenShift compares names as written: CAP_NET_BIND_SERVICE is not NET_BIND_SERVICE."""
    ok = admit(
        pod(capabilities={"add": ["NET_BIND_SERVICE"]}),
        profiles=PROFILES,
        uid_range=parse_range(RANGE_TEXT),
    )
    assert ok.allowed
    prefixed = admit(
        pod(capabilities={"add": ["CAP_NET_BIND_SERVICE"], "drop": ["ALL"]}),
        profiles=PROFILES,
        uid_range=parse_range(RANGE_TEXT),
    )
    assert not prefixed.allowed
    assert (
        prefixed.reasons[0].field_path == "spec.containers[0].securityContext.capabilities.add[0]"
    )
    assert "capability may not be added" in prefixed.reasons[0].message
    lower = admit(
        pod(capabilities={"drop": ["all"]}), profiles=PROFILES, uid_range=parse_range(RANGE_TEXT)
    )
    caps = patched(pod(capabilities={"drop": ["all"]}), lower.patch)["spec"]["containers"][0][
        "securityContext"
    ]["capabilities"]
    assert caps == {"drop": ["ALL", "all"]}


@pytest.mark.parametrize(
    ("kind", "wrap"),
    [
        ("Deployment", lambda t: {"spec": {"template": t}}),
        ("CronJob", lambda t: {"spec": {"jobTemplate": {"spec": {"template": t}}}}),
    ],
)
def test_workload_patch_targets_the_pod_template(kind: str, wrap: Any) -> None:
    template = {
        "metadata": {"annotations": {"other": "x", PROFILE_ANNOTATION: "old"}},
        "spec": pod()["spec"],
    }
    obj = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "w"}, **wrap(template)}
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert decision.allowed
    prefix = "/spec/template" if kind == "Deployment" else "/spec/jobTemplate/spec/template"
    assert all(op["path"].startswith(prefix) for op in decision.patch)
    assert {
        "op": "replace",
        "path": f"{prefix}/metadata/annotations/unroot.dev~1profile",
        "value": "restricted-v2",
    } in decision.patch
    out = patched(obj, decision.patch)
    assert evaluate(out, "restricted", "latest").allowed


def test_namespace_annotation_beats_flag_range() -> None:
    decision = admit(
        pod(),
        profiles=PROFILES,
        uid_range=UIDRange(5000, 10),
        namespace_annotations={"unroot.dev/uid-range": "7000/10"},
    )
    out = patched(pod(), decision.patch)
    assert out["spec"]["containers"][0]["securityContext"]["runAsUser"] == 7000


def test_non_workload_objects_pass_unchanged() -> None:
    decision = admit({"kind": "ConfigMap", "metadata": {"name": "c"}}, profiles=PROFILES)
    assert decision.allowed and decision.patch == [] and decision.profile is None


def test_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nope"):
        admit(pod(), profiles=PROFILES, allowed_profiles=["nope"])


@pytest.mark.parametrize(
    "spec",
    [
        {"containers": [{"name": "c", "securityContext": {"runAsUser": "0"}}]},
        {"containers": [{"name": "c", "securityContext": []}]},
        {"containers": "nope"},
        {"containers": [], "securityContext": {"fsGroup": "1"}},
        {"containers": [], "securityContext": {"supplementalGroups": ["a"]}},
        {"containers": [], "volumes": "x"},
    ],
)
def test_wrong_types_are_input_errors(spec: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        admit(
            {"kind": "Pod", "metadata": {"name": "p"}, "spec": spec},
            profiles=PROFILES,
            uid_range=parse_range(RANGE_TEXT),
        )


def test_types_checked_skips_only_the_pod_security_type_check() -> None:
    obj = pod(runAsUser="0")
    with pytest.raises(InputError):
        admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    ok = admit(pod(), profiles=PROFILES, uid_range=parse_range(RANGE_TEXT), types_checked=True)
    assert ok == admit(pod(), profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    # SCC-only fields are still checked
    bad = pod()
    bad["spec"]["securityContext"] = {"fsGroup": "1"}
    with pytest.raises(InputError):
        admit(bad, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT), types_checked=True)


def test_denial_hints_at_restricted_when_only_restricted_v2_is_allowed() -> None:
    """restricted (v1) allows privilege escalation: a pod asking for it fails restricted-v2,
    and OpenShift says that restricted would have taken it."""
    obj = pod(allowPrivilegeEscalation=True)
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert not decision.allowed
    texts = [str(r) for r in decision.reasons]
    assert texts[0].startswith("provider restricted-v2: .containers[0].allowPrivilegeEscalation")
    assert texts[-1].startswith("no access to scc/restricted: Forbidden: the pod fails")
    # SCCs nobody may use are not listed as reasons offline
    assert not any("not usable" in t for t in texts)
    # a pod that restricted refuses too gets no hint
    root = admit(pod(runAsUser=0), profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert not any("scc/restricted" in str(r) for r in root.reasons)


def test_windows_pods_are_not_scc_business() -> None:
    obj = pod(runAsUser=0, privileged=True)
    obj["spec"]["os"] = {"name": "windows"}
    decision = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert decision.allowed and decision.profile is None and decision.patch == []


def test_required_scc_annotation_picks_the_scc() -> None:
    obj = pod()
    obj["metadata"]["annotations"] = {"openshift.io/required-scc": "nonroot-v2"}
    allowed = ["restricted-v2", "nonroot-v2"]
    decision = admit(
        obj, profiles=PROFILES, allowed_profiles=allowed, uid_range=parse_range(RANGE_TEXT)
    )
    assert decision.profile == "nonroot-v2"
    obj["metadata"]["annotations"] = {"openshift.io/required-scc": "nope"}
    missing = admit(obj, profiles=PROFILES, uid_range=parse_range(RANGE_TEXT))
    assert not missing.allowed
    assert str(missing.reasons[0]) == (
        'failed to retrieve the required SCC "nope": '
        'securitycontextconstraints.security.openshift.io "nope" not found'
    )


def test_offline_namespace_without_selinux_level_leaves_the_level_open() -> None:
    obj = pod(seLinuxOptions={"level": "s0:c9,c8"})
    rng = parse_range(RANGE_TEXT)
    unknown = admit(obj, profiles=PROFILES, uid_range=rng)
    assert unknown.allowed
    assert "seLinuxOptions" not in patched(
        pod(), admit(pod(), profiles=PROFILES, uid_range=rng).patch
    )["spec"].get("securityContext", {})
    known = admit(obj, profiles=PROFILES, uid_range=None, namespace_annotations=NS)
    assert not known.allowed
    [reason] = known.reasons
    assert reason.field_path == "spec.containers[0].securityContext.seLinuxOptions.level"
    assert reason.message == (
        'containers[0].seLinuxOptions.level: Invalid value: "s0:c9,c8": must be s0:c26,c5'
    )
    # the same categories in another order are the same level
    same = admit(
        pod(seLinuxOptions={"level": "s0:c5,c26"}),
        profiles=PROFILES,
        uid_range=None,
        namespace_annotations=NS,
    )
    assert same.allowed
