"""capabilities_restricted (restricted; replaces capabilities_baseline from v1.22).

Containers must drop ALL capabilities, and are only permitted to add back the
NET_BIND_SERVICE capability.

**Restricted Fields:**
spec.containers[*].securityContext.capabilities.drop,
spec.initContainers[*].securityContext.capabilities.drop,
spec.ephemeralContainers[*].securityContext.capabilities.drop

**Allowed Values:** any list of capabilities that includes ALL

**Restricted Fields:**
spec.containers[*].securityContext.capabilities.add,
spec.initContainers[*].securityContext.capabilities.add,
spec.ephemeralContainers[*].securityContext.capabilities.add

**Allowed Values:** undefined/empty, NET_BIND_SERVICE

From v1.25 the rule does not apply to Windows pods (``spec.os.name: windows``).
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase, join_quote

_OVERRIDES: Final = ("capabilities_baseline",)


def capabilities_restricted_v1_22(pod: PodView) -> CheckResult:
    """Every container drops ALL and adds nothing but NET_BIND_SERVICE."""
    missing_drop: list[str] = []
    adding: list[str] = []
    forbidden: set[str] = set()
    paths: list[str] = []
    for c in pod.containers:
        caps = c.sc.get("capabilities")
        if caps is None:
            missing_drop.append(c.name)
            paths.append(f"{c.path}.securityContext.capabilities.drop")
            continue
        drops = caps.get("drop")
        if not drops or "ALL" not in drops:
            missing_drop.append(c.name)
            paths.append(f"{c.path}.securityContext.capabilities.drop")
        adds = caps.get("add")
        if adds:
            found = False
            for index, cap in enumerate(adds):
                if cap != "NET_BIND_SERVICE":
                    found = True
                    forbidden.add(cap)
                    paths.append(f"{c.path}.securityContext.capabilities.add[{index}]")
            if found:
                adding.append(c.name)
    if not missing_drop and not adding:
        return ALLOWED
    details: list[str] = []
    if missing_drop:
        details.append(
            f'{containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]'
        )
    if adding:
        details.append(
            f"{containers_phrase(adding)} must not include {join_quote(sorted(forbidden))} "
            "in securityContext.capabilities.add"
        )
    return CheckResult(False, "unrestricted capabilities", "; ".join(details), tuple(paths))


def capabilities_restricted_v1_25(pod: PodView) -> CheckResult:
    """As v1.22, but Windows pods are exempt: Linux capabilities do not exist there."""
    if pod.is_windows():
        return ALLOWED
    return capabilities_restricted_v1_22(pod)


CHECK: Final = Check(
    id="capabilities_restricted",
    level="restricted",
    versions=(
        VersionedCheck(22, capabilities_restricted_v1_22, overrides=_OVERRIDES),
        VersionedCheck(25, capabilities_restricted_v1_25, overrides=_OVERRIDES),
    ),
)
