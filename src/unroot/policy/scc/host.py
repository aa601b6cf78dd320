"""Host access: hostNetwork/hostPID/hostIPC, hostPorts, sysctls and user namespaces.

``userNamespaceLevel: RequirePodLevel`` fills ``hostUsers: false`` and refuses ``true``.
Sysctls in the Kubernetes safe set are always allowed; others need ``allowedUnsafeSysctls``
(``*`` or a ``prefix.*`` pattern) and must not match ``forbiddenSysctls``.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import Containers, Context, SCCReason, get_sc
from unroot.policy.scc.profile import Profile

SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    }
)

_NAMESPACES = (
    ("hostNetwork", "allowHostNetwork"),
    ("hostPID", "allowHostPID"),
    ("hostIPC", "allowHostIPC"),
)


def mutate(spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers) -> None:
    if p.userNamespaceLevel == "RequirePodLevel" and spec.get("hostUsers") is None:
        spec["hostUsers"] = False


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    for pat in patterns:
        if pat == "*" or pat == name or (pat.endswith("*") and name.startswith(pat[:-1])):
            return True
    return False


def validate(
    spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers, out: list[SCCReason]
) -> None:
    for field, allow in _NAMESPACES:
        if spec.get(field) is True and not getattr(p, allow):
            out.append(
                SCCReason(
                    ctx.path(field),
                    f"{field}: Invalid value: true: Host network, PID "
                    "and IPC namespaces are not allowed to be used",
                )
            )
    if p.userNamespaceLevel == "RequirePodLevel" and spec.get("hostUsers") is not False:
        out.append(
            SCCReason(
                ctx.path("hostUsers"),
                "hostUsers: must be false (the profile requires a user namespace for the pod)",
            )
        )
    if not p.allowHostPorts:
        for rel, c in conts:
            for i, port in enumerate(c.get("ports") or []):
                if isinstance(port, dict) and port.get("hostPort"):
                    out.append(
                        SCCReason(
                            ctx.path(f"{rel}.ports[{i}].hostPort"),
                            f"hostPort: Invalid value: {port['hostPort']}: "
                            "Host ports are not allowed to be used",
                        )
                    )
    for i, item in enumerate(get_sc(spec).get("sysctls") or []):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        path = ctx.path(f"securityContext.sysctls[{i}].name")
        if _matches(name, p.forbiddenSysctls):
            out.append(SCCReason(path, f"sysctl {name!r} is forbidden"))
        elif name not in SAFE_SYSCTLS and not _matches(name, p.allowedUnsafeSysctls):
            out.append(SCCReason(path, f"unsafe sysctl {name!r} is not allowed"))
