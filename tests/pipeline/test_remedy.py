"""Fixing refused pods: which fields go, in which order, and what stays refused."""

from __future__ import annotations

from unroot.pipeline.remedy import Remedy, remedy
from unroot.policy import jsonpatch
from unroot.policy.scc import SCCDecision, admit, builtin_profiles
from unroot.policy.scc.admit import copy_json
from unroot.policy.uidrange import parse_range
from unroot.workload.load import load_text

RANGE = parse_range("1000680000/10000")


def _admit(obj: object) -> SCCDecision:
    return admit(
        obj, profiles=builtin_profiles(), allowed_profiles=["restricted-v2"], uid_range=RANGE
    )


def _fix(text: str) -> Remedy | list[str]:
    doc = load_text(text, "pod.yaml").documents[0]
    decision = _admit(doc.obj)
    assert not decision.allowed
    return remedy(doc, decision, _admit)


ROOT_POD = """\
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsUser: 0}
  containers:
  - name: c
    image: x
    securityContext:
      privileged: true
      capabilities: {add: [NET_ADMIN, NET_BIND_SERVICE, SYS_TIME]}
"""


def test_removes_root_and_privileges_then_the_profile_admits() -> None:
    found = _fix(ROOT_POD)
    assert isinstance(found, Remedy) and found.profile == "restricted-v2"
    fields = [r.field for r in found.removals]
    assert "spec.securityContext.runAsUser" in fields
    assert "spec.containers[0].securityContext.privileged" in fields
    # later list items first, so removing SYS_TIME does not shift NET_ADMIN
    assert [f for f in fields if ".capabilities.add" in f] == [
        "spec.containers[0].securityContext.capabilities.add[2]",
        "spec.containers[0].securityContext.capabilities.add[0]",
    ]
    obj = copy_json(load_text(ROOT_POD, "pod.yaml").documents[0].obj)
    patched = jsonpatch.apply(obj, copy_json(list(found.ops)))
    again = _admit(patched)
    assert again.allowed and again.patch == []  # nothing left to fill in or refuse
    container = patched["spec"]["containers"][0]["securityContext"]
    assert container["capabilities"]["add"] == ["NET_BIND_SERVICE"]
    assert container["runAsUser"] in RANGE and "privileged" not in container


def test_host_path_volumes_are_refused_not_removed() -> None:
    found = _fix(
        "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n"
        "  volumes: [{name: h, hostPath: {path: /}}]\n"
    )
    assert isinstance(found, list)
    assert any("hostPath" in why and "directory of the node" in why for why in found)


def test_unconfined_seccomp_goes_as_a_whole() -> None:
    found = _fix(
        "kind: Pod\nmetadata: {name: p}\nspec:\n"
        "  securityContext: {seccompProfile: {type: Unconfined}}\n"
        "  containers: [{name: c, image: x}]\n"
    )
    assert isinstance(found, Remedy)
    assert [r.field for r in found.removals] == ["spec.securityContext.seccompProfile"]
