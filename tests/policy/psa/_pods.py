"""Small builders for the per-check tests: pods are written inline, close to the spec's words."""

from __future__ import annotations

from typing import Any

from unroot.policy.psa.api import CheckFn, CheckResult
from unroot.policy.psa.pod import PodView
from unroot.policy.psa.shape import validate_pod


def ctr(name: str = "c", sc: Any = None, **fields: Any) -> dict[str, Any]:
    """A container named ``name`` with an optional securityContext and other fields."""
    container: dict[str, Any] = {"name": name, "image": "registry.example/app", **fields}
    if sc is not None:
        container["securityContext"] = sc
    return container


def pod(
    containers: Any = None,
    init: Any = None,
    sc: Any = None,
    annotations: Any = None,
    **spec_fields: Any,
) -> dict[str, Any]:
    """A Pod with the given containers (default: one plain container "c").

    Arguments are typed ``Any`` on purpose: tests also build malformed pods.
    """
    spec: dict[str, Any] = {"containers": containers if containers is not None else [ctr()]}
    if init is not None:
        spec["initContainers"] = init
    if sc is not None:
        spec["securityContext"] = sc
    spec.update(spec_fields)
    metadata: dict[str, Any] = {"name": "p"}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def run(fn: CheckFn, obj: dict[str, Any]) -> CheckResult:
    """Run one versioned check function on a Pod, after the same validation evaluate does."""
    validate_pod(obj["metadata"], obj["spec"])
    return fn(PodView(obj["metadata"], obj["spec"]))
