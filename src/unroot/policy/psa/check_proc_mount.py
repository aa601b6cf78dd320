"""procMount (baseline).

The default /proc masks are set up to reduce attack surface, and should be required.

**Restricted Fields:**
spec.containers[*].securityContext.procMount,
spec.initContainers[*].securityContext.procMount,
spec.ephemeralContainers[*].securityContext.procMount

**Allowed Values:** undefined/null, "Default"

From v1.35 a pod in its own user namespace (``spec.hostUsers: false``) may use any procMount:
an unmasked /proc of a user namespace does not expose the host. The restricted level keeps
the rule for those pods too (``procMount_restricted``).
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase, join_quote


def proc_mount_v1_0(pod: PodView) -> CheckResult:
    """No container may set a procMount other than Default."""
    bad: list[str] = []
    values: set[str] = set()
    paths: list[str] = []
    for c in pod.containers:
        proc_mount = c.sc.get("procMount")
        if proc_mount is not None and proc_mount != "Default":
            bad.append(c.name)
            values.add(proc_mount)
            paths.append(f"{c.path}.securityContext.procMount")
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "procMount",
        f"{containers_phrase(bad)} must not set securityContext.procMount to "
        f"{join_quote(sorted(values))}",
        tuple(paths),
    )


def proc_mount_v1_35(pod: PodView) -> CheckResult:
    """As v1.0, but pods with ``hostUsers: false`` may unmask /proc."""
    if pod.in_user_namespace():
        return ALLOWED
    return proc_mount_v1_0(pod)


CHECK: Final = Check(
    id="procMount",
    level="baseline",
    versions=(
        VersionedCheck(0, proc_mount_v1_0),
        VersionedCheck(35, proc_mount_v1_35),
    ),
)
