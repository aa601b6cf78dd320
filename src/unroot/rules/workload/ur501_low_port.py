"""UR501: a container port below the unprivileged port start, without NET_BIND_SERVICE."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.untrusted import is_decimal
from unroot.workload.context import PodContext

UNPRIVILEGED_PORT_START = "net.ipv4.ip_unprivileged_port_start"


def _port_start(spec: Mapping[str, Any]) -> int:
    """The pod's ``net.ipv4.ip_unprivileged_port_start`` sysctl, else the kernel's 1024."""
    sc = spec.get("securityContext")
    sysctls = sc.get("sysctls") if isinstance(sc, dict) else None
    start = 1024
    for item in sysctls if isinstance(sysctls, list) else []:
        if isinstance(item, dict) and item.get("name") == UNPRIVILEGED_PORT_START:
            value = str(item.get("value", ""))
            start = int(value) if is_decimal(value) else start
    return start


def _binds_low_ports(container: Mapping[str, Any]) -> bool:
    csc = container.get("securityContext")
    caps = csc.get("capabilities") if isinstance(csc, dict) else None
    added = caps.get("add") if isinstance(caps, dict) else None
    return isinstance(added, list) and any(
        str(a).upper().removeprefix("CAP_") == "NET_BIND_SERVICE" for a in added
    )


def check(ctx: PodContext) -> Iterator[Finding]:
    start = _port_start(ctx.spec)
    for key in ("initContainers", "containers"):
        items = ctx.spec.get(key)
        for ci, c in enumerate(items if isinstance(items, list) else []):
            if not isinstance(c, dict) or _binds_low_ports(c):
                continue
            ports = c.get("ports")
            for pi, port in enumerate(ports if isinstance(ports, list) else []):
                number = port.get("containerPort") if isinstance(port, dict) else None
                if isinstance(number, int) and not isinstance(number, bool) and 0 < number < start:
                    path = f"{ctx.spec_prefix}.{key}[{ci}].ports[{pi}].containerPort"
                    yield RULE.finding(
                        f"container port {number} is below {start}: a non-root process "
                        "cannot bind it without NET_BIND_SERVICE",
                        ctx.evidence(path),
                        data={"port": number},
                    )


RULE = Rule(
    id="UR501",
    kind="workload",
    category=Category.LOW_PORT,
    severity=Severity.WARNING,
    title="container port below 1024 without NET_BIND_SERVICE",
    rationale=(
        "Binding a port below net.ipv4.ip_unprivileged_port_start (1024 by default) needs root "
        "or CAP_NET_BIND_SERVICE; restricted profiles drop every capability, so a server that "
        "listens on such a port fails to start when it runs as an arbitrary UID."
    ),
    fix="listen on a port >= 1024 (map 80 to 8080 in the Service), or add NET_BIND_SERVICE, "
    "or set net.ipv4.ip_unprivileged_port_start",
    docs="Reads containerPort of init and regular containers. A container that adds "
    "NET_BIND_SERVICE is not reported, and a pod sysctl "
    "net.ipv4.ip_unprivileged_port_start lowers the threshold.",
    check=check,
)
