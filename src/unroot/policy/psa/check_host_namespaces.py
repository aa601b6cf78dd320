"""hostNamespaces (baseline).

Sharing the host namespaces must be disallowed.

**Restricted Fields:** spec.hostNetwork, spec.hostPID, spec.hostIPC

**Allowed Values:** false, undefined/null
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView

_FIELDS: Final = ("hostNetwork", "hostPID", "hostIPC")


def host_namespaces_v1_0(pod: PodView) -> CheckResult:
    """None of hostNetwork, hostPID, hostIPC may be true."""
    spec = pod.spec
    shared = [name for name in _FIELDS if spec.get(name) is True]
    if not shared:
        return ALLOWED
    return CheckResult(
        False,
        "host namespaces",
        ", ".join(f"{name}=true" for name in shared),
        tuple(f"spec.{name}" for name in shared),
    )


CHECK: Final = Check(
    id="hostNamespaces",
    level="baseline",
    versions=(VersionedCheck(0, host_namespaces_v1_0),),
)
