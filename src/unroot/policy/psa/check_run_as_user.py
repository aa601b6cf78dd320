"""runAsUser (restricted, from v1.23).

Containers must not set runAsUser to 0.

**Restricted Fields:**
spec.securityContext.runAsUser,
spec.containers[*].securityContext.runAsUser,
spec.initContainers[*].securityContext.runAsUser,
spec.ephemeralContainers[*].securityContext.runAsUser

**Allowed Values:** any non-zero value, undefined/null

From v1.35 a pod in its own user namespace (``spec.hostUsers: false``) is exempt: UID 0 in the
pod maps to an unprivileged UID on the host.
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase


def run_as_user_v1_23(pod: PodView) -> CheckResult:
    """Neither the pod nor any container may set runAsUser=0."""
    setters: list[str] = []
    paths: list[str] = []
    if pod.psc.get("runAsUser") == 0:
        setters.append("pod")
        paths.append("spec.securityContext.runAsUser")
    bad: list[str] = []
    for c in pod.containers:
        if c.sc.get("runAsUser") == 0:
            bad.append(c.name)
            paths.append(f"{c.path}.securityContext.runAsUser")
    if bad:
        setters.append(containers_phrase(bad))
    if not setters:
        return ALLOWED
    return CheckResult(
        False, "runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0", tuple(paths)
    )


def run_as_user_v1_35(pod: PodView) -> CheckResult:
    """As v1.23, but pods with ``hostUsers: false`` may use UID 0 inside their namespace."""
    if pod.in_user_namespace():
        return ALLOWED
    return run_as_user_v1_23(pod)


CHECK: Final = Check(
    id="runAsUser",
    level="restricted",
    versions=(
        VersionedCheck(23, run_as_user_v1_23),
        VersionedCheck(35, run_as_user_v1_35),
    ),
)
