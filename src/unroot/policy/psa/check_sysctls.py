"""sysctls (baseline).

Sysctls can disable security mechanisms or affect all containers on a host, and should be
disallowed except for an allowed "safe" subset. A sysctl is considered safe if it is
namespaced in the container or the Pod, and it is isolated from other Pods or processes on the
same Node.

**Restricted Fields:** spec.securityContext.sysctls[*].name

**Allowed Values:** undefined/empty, and the names below; each version allows the names of the
previous one plus its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, pluralize

ALLOWED_V1_0: Final = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
ALLOWED_V1_27: Final = ALLOWED_V1_0 | {"net.ipv4.ip_local_reserved_ports"}
ALLOWED_V1_29: Final = ALLOWED_V1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
ALLOWED_V1_32: Final = ALLOWED_V1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
ALLOWED_V1_37: Final = ALLOWED_V1_32 | {
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
}


def _make(allowed: frozenset[str]) -> Callable[[PodView], CheckResult]:
    def check(pod: PodView) -> CheckResult:
        sysctls = pod.psc.get("sysctls")
        if not sysctls:
            return ALLOWED
        names: list[str] = []
        paths: list[str] = []
        for index, entry in enumerate(sysctls):
            name = entry.get("name") or ""
            if name not in allowed:
                names.append(name)
                paths.append(f"spec.securityContext.sysctls[{index}].name")
        if not names:
            return ALLOWED
        return CheckResult(
            False,
            pluralize("forbidden sysctl", "forbidden sysctls", len(names)),
            ", ".join(names),
            tuple(paths),
        )

    return check


sysctls_v1_0: Final = _make(ALLOWED_V1_0)
sysctls_v1_27: Final = _make(ALLOWED_V1_27)
sysctls_v1_29: Final = _make(ALLOWED_V1_29)
sysctls_v1_32: Final = _make(ALLOWED_V1_32)
sysctls_v1_37: Final = _make(ALLOWED_V1_37)

CHECK: Final = Check(
    id="sysctls",
    level="baseline",
    versions=(
        VersionedCheck(0, sysctls_v1_0),
        VersionedCheck(27, sysctls_v1_27),
        VersionedCheck(29, sysctls_v1_29),
        VersionedCheck(32, sysctls_v1_32),
        VersionedCheck(37, sysctls_v1_37),
    ),
)
