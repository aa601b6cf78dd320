"""pod_spec_of: where each kind keeps its pod, and what counts as malformed."""

from __future__ import annotations

from typing import Any

import pytest

from unroot.errors import InputError
from unroot.workload.podspec import join_path, pod_spec_of, split_path

SPEC: dict[str, Any] = {"containers": [{"name": "c", "image": "x"}]}
META: dict[str, Any] = {"labels": {"app": "a"}}


def wrapped(kind: str) -> tuple[dict[str, Any], str]:
    template = {"metadata": META, "spec": SPEC}
    top = {"name": "w", "namespace": "ns"}
    if kind == "Pod":
        return {"kind": kind, "metadata": {**top, **META}, "spec": SPEC}, ""
    if kind == "PodTemplate":
        return {"kind": kind, "metadata": top, "template": template}, "template"
    if kind == "CronJob":
        spec = {"jobTemplate": {"spec": {"template": template}}}
        return {"kind": kind, "metadata": top, "spec": spec}, "spec.jobTemplate.spec.template"
    return {"kind": kind, "metadata": top, "spec": {"template": template}}, "spec.template"


@pytest.mark.parametrize(
    "kind",
    [
        "Pod",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "ReplicationController",
        "CronJob",
        "PodTemplate",
    ],
)
def test_each_kind(kind: str) -> None:
    obj, prefix = wrapped(kind)
    ref = pod_spec_of(obj)
    assert ref is not None
    assert (ref.kind, ref.name, ref.namespace, ref.path_prefix) == (kind, "w", "ns", prefix)
    assert ref.spec is SPEC  # no copies
    assert ref.metadata["labels"] == META["labels"]
    expected = f"{prefix}.spec.containers[0]" if prefix else "spec.containers[0]"
    assert ref.full_path("spec.containers[0]") == expected


@pytest.mark.parametrize(
    "obj", [{"kind": "Service"}, {"kind": 3}, {}, [], "Pod", None, {"kind": "List", "items": []}]
)
def test_not_a_pod_holder(obj: Any) -> None:
    assert pod_spec_of(obj) is None


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"kind": "Pod", "metadata": [], "spec": {}}, "metadata must be a mapping"),
        ({"kind": "Pod", "spec": []}, "spec must be a mapping"),
        ({"kind": "Pod"}, "spec is missing"),
        ({"kind": "Job", "spec": {"template": {"spec": "x"}}}, "spec.template.spec must be"),
        ({"kind": "Job", "spec": {"template": {"metadata": 1, "spec": {}}}}, "metadata must be"),
        ({"kind": "CronJob", "spec": {"jobTemplate": []}}, "spec.jobTemplate must be a mapping"),
        (
            {"kind": "CronJob", "metadata": {"name": "n"}, "spec": {}},
            "CronJob 'n': spec.jobTemplate",
        ),
    ],
)
def test_malformed(obj: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        pod_spec_of(obj)


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        (("spec", "containers", 0, "securityContext"), "spec.containers[0].securityContext"),
        (
            ("metadata", "annotations", "seccomp.security.alpha.kubernetes.io/pod"),
            'metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"]',
        ),
        (("a", 'we"ird]', 3), 'a["we\\"ird]"][3]'),
    ],
)
def test_paths_round_trip(parts: tuple[str | int, ...], path: str) -> None:
    assert join_path("", *parts) == path
    assert split_path(path) == list(parts)


def test_join_onto_prefix() -> None:
    assert join_path("spec.template", "spec", "volumes", 2) == "spec.template.spec.volumes[2]"


@pytest.mark.parametrize("bad", ["a[x]", 'a["b"', "a[1"])
def test_split_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        split_path(bad)
