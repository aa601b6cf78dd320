"""The public API: workloads, field paths with the template prefix, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from unroot.errors import InputError
from unroot.policy.psa import evaluate

from ._pods import ctr, pod


def deployment(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"metadata": {}, "spec": spec}},
    }


def test_workload_paths_carry_the_template_prefix() -> None:
    obj = deployment({"containers": [ctr("a", sc={"privileged": True})]})
    decision = evaluate(obj, "baseline", "v1.30")
    assert not decision.allowed
    assert [r.check_id for r in decision.results] == ["privileged"]
    assert decision.results[0].field_paths == (
        "spec.template.spec.containers[0].securityContext.privileged",
    )
    assert decision.message() == (
        'privileged (container "a" must not set securityContext.privileged=true)'
    )


def test_every_reason_is_reported_in_registry_order() -> None:
    obj = pod([ctr("a", sc={"privileged": True})], hostPID=True)
    decision = evaluate(obj, "restricted", "latest")
    ids = [r.check_id for r in decision.results]
    assert ids[:2] == ["hostNamespaces", "privileged"]
    assert {"allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"} <= set(ids)


def test_version_matters() -> None:
    obj = pod([ctr("a", sc={"allowPrivilegeEscalation": True})], sc={"runAsNonRoot": True})
    assert evaluate(obj, "restricted", "v1.7").allowed
    assert not evaluate(obj, "restricted", "v1.8").allowed


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"kind": "Service"}, "kind 'Service' holds no pod"),
        ([1, 2], "without a kind"),
        (pod([ctr(sc={"runAsUser": "0"})]), "runAsUser: expected an integer"),
        (pod([ctr(sc={"privileged": "true"})]), "privileged: expected a boolean"),
        (pod([ctr(sc=["x"])]), "securityContext: expected a mapping"),
        (pod(sc={"runAsUser": True}), "runAsUser: expected an integer, got a boolean"),
        (pod("nope"), "containers: expected a list"),
        (pod([ctr(sc={"capabilities": {"add": [1]}})]), r"add\[0\]: expected a string"),
        (pod(volumes=[{"name": "v", "hostPath": "/x"}]), "hostPath: expected a mapping"),
        (pod(annotations=["a"]), "annotations: expected a mapping"),
        ({"kind": "Deployment", "spec": {"template": []}}, "spec.template must be a mapping"),
        ({"kind": "Deployment", "spec": {}}, "spec.template is missing"),
        ({"kind": "Pod", "metadata": {}}, "spec is missing"),
    ],
)
def test_bad_input_is_a_clear_error(obj: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        evaluate(obj, "restricted", "latest")


def test_nulls_read_as_unset() -> None:
    obj = pod([ctr("a", sc=None)], sc=None, volumes=None, hostNetwork=None)
    assert evaluate(obj, "baseline", "latest").allowed
