"""runAsNonRoot (restricted).

Containers must be required to run as non-root users.

**Restricted Fields:**
spec.securityContext.runAsNonRoot,
spec.containers[*].securityContext.runAsNonRoot,
spec.initContainers[*].securityContext.runAsNonRoot,
spec.ephemeralContainers[*].securityContext.runAsNonRoot

**Allowed Values:** true. The container fields may be undefined/null if the pod-level
spec.securityContext.runAsNonRoot is set to true.

From v1.35 a pod in its own user namespace (``spec.hostUsers: false``) is exempt: its root is
an unprivileged user on the host.
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase

_REASON: Final = "runAsNonRoot != true"


def run_as_non_root_v1_0(pod: PodView) -> CheckResult:
    """Pod sets runAsNonRoot=true or every container does; nobody sets it false."""
    setters: list[str] = []
    paths: list[str] = []
    pod_value = pod.psc.get("runAsNonRoot")
    if pod_value is False:
        setters.append("pod")
        paths.append("spec.securityContext.runAsNonRoot")
    pod_ok = pod_value is True
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_paths: list[str] = []
    for c in pod.containers:
        value = c.sc.get("runAsNonRoot")
        if value is None:
            if not pod_ok:
                implicit.append(c.name)
                implicit_paths.append(f"{c.path}.securityContext.runAsNonRoot")
        elif value is not True:
            explicit.append(c.name)
            paths.append(f"{c.path}.securityContext.runAsNonRoot")
    if explicit:
        setters.append(containers_phrase(explicit))
    if setters:
        return CheckResult(
            False,
            _REASON,
            f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false",
            tuple(paths),
        )
    if implicit:
        return CheckResult(
            False,
            _REASON,
            f"pod or {containers_phrase(implicit)} must set securityContext.runAsNonRoot=true",
            ("spec.securityContext.runAsNonRoot", *implicit_paths),
        )
    return ALLOWED


def run_as_non_root_v1_35(pod: PodView) -> CheckResult:
    """As v1.0, but pods with ``hostUsers: false`` may run as (namespaced) root."""
    if pod.in_user_namespace():
        return ALLOWED
    return run_as_non_root_v1_0(pod)


CHECK: Final = Check(
    id="runAsNonRoot",
    level="restricted",
    versions=(
        VersionedCheck(0, run_as_non_root_v1_0),
        VersionedCheck(35, run_as_non_root_v1_35),
    ),
)
