"""allowPrivilegeEscalation (restricted, from v1.8).

Privilege escalation (such as via set-user-ID or set-group-ID file mode) should not be allowed.

**Restricted Fields:**
spec.containers[*].securityContext.allowPrivilegeEscalation,
spec.initContainers[*].securityContext.allowPrivilegeEscalation,
spec.ephemeralContainers[*].securityContext.allowPrivilegeEscalation

**Allowed Values:** false

From v1.25 the rule does not apply to Windows pods (``spec.os.name: windows``).
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase


def allow_privilege_escalation_v1_8(pod: PodView) -> CheckResult:
    """Every container sets allowPrivilegeEscalation=false explicitly."""
    bad: list[str] = []
    paths: list[str] = []
    for c in pod.containers:
        if c.sc.get("allowPrivilegeEscalation") is not False:
            bad.append(c.name)
            paths.append(f"{c.path}.securityContext.allowPrivilegeEscalation")
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "allowPrivilegeEscalation != false",
        f"{containers_phrase(bad)} must set securityContext.allowPrivilegeEscalation=false",
        tuple(paths),
    )


def allow_privilege_escalation_v1_25(pod: PodView) -> CheckResult:
    """As v1.8, but Windows pods are exempt: the flag is Linux-only."""
    if pod.is_windows():
        return ALLOWED
    return allow_privilege_escalation_v1_8(pod)


CHECK: Final = Check(
    id="allowPrivilegeEscalation",
    level="restricted",
    versions=(
        VersionedCheck(8, allow_privilege_escalation_v1_8),
        VersionedCheck(25, allow_privilege_escalation_v1_25),
    ),
)
