"""privileged (baseline).

Privileged Pods disable most security mechanisms and must be disallowed.

**Restricted Fields:**
spec.containers[*].securityContext.privileged,
spec.initContainers[*].securityContext.privileged,
spec.ephemeralContainers[*].securityContext.privileged

**Allowed Values:** false, undefined/null
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase


def privileged_v1_0(pod: PodView) -> CheckResult:
    """No container may set ``securityContext.privileged: true``."""
    bad: list[str] = []
    paths: list[str] = []
    for c in pod.containers:
        if c.sc.get("privileged") is True:
            bad.append(c.name)
            paths.append(f"{c.path}.securityContext.privileged")
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "privileged",
        f"{containers_phrase(bad)} must not set securityContext.privileged=true",
        tuple(paths),
    )


CHECK: Final = Check(
    id="privileged",
    level="baseline",
    versions=(VersionedCheck(0, privileged_v1_0),),
)
