"""Sysctls: the Kubernetes safe set is always allowed, others only when the SCC allows them.

``forbiddenSysctls`` wins over everything, safe ones included; ``allowedUnsafeSysctls``
admits the rest. Entries are exact names or prefixes ending in ``*`` (``*`` alone matches
all). The safe set is upstream's: the sysctls every release allowed plus the three newer ones
that any kernel a current cluster runs on namespaces (upstream drops those three when a node
reports an older kernel; offline there are no nodes to ask).
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.fielderr import FieldError, forbidden, go_quote

SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    }
)


def matches(name: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if pattern.endswith("*"):
            if name.startswith(pattern[:-1]):
                return True
        elif name == pattern:
            return True
    return False


class Sysctls:
    __slots__ = ("allowed_unsafe", "forbidden")

    def __init__(self, allowed_unsafe: tuple[str, ...], forbidden_: tuple[str, ...]) -> None:
        self.allowed_unsafe = allowed_unsafe
        self.forbidden = forbidden_

    def validate(self, psc: dict[str, Any] | None, scc: str, out: list[FieldError]) -> None:
        sysctls = psc.get("sysctls") if psc is not None else None
        if not sysctls:
            return
        for index, item in enumerate(sysctls):
            name = item.get("name") if isinstance(item, dict) else None
            name = name if isinstance(name, str) else ""
            path = f"spec.securityContext.sysctls[{index}]"
            if matches(name, self.forbidden):
                detail = f"sysctl {go_quote(name)} is not allowed"
            elif name in SAFE_SYSCTLS or matches(name, self.allowed_unsafe):
                continue
            else:
                detail = f"unsafe sysctl {go_quote(name)} is not allowed"
            out.append(forbidden(path, detail, path + ".name", scc))
