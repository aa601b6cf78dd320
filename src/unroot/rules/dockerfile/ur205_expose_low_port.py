"""UR205: EXPOSE of a port below 1024 (binding it needs root or CAP_NET_BIND_SERVICE)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import ins_evidence
from unroot.untrusted import is_decimal

PRIVILEGED_BELOW = 1024


def low_ports(spec: str) -> list[int]:
    """Ports below 1024 in one EXPOSE word: ``80``, ``80/tcp``, ``1000-1030/udp``."""
    port, _, _proto = spec.partition("/")
    start_text, dash, end_text = port.partition("-")
    if not is_decimal(start_text) or (dash and not is_decimal(end_text)):
        return []
    start = int(start_text)
    end = int(end_text) if dash else start
    if start <= 0 or end < start:
        return []
    return list(range(start, min(end, PRIVILEGED_BELOW - 1) + 1))


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    for _stage, ins, scope in ctx.final_instructions():
        if ins.cmd != "EXPOSE":
            continue
        for raw in ins.value:
            for word in ctx.word(raw, scope).split():
                ports = low_ports(word)
                if not ports:
                    continue
                shown = str(ports[0]) if len(ports) == 1 else f"{ports[0]}-{ports[-1]}"
                yield RULE.finding(
                    f"EXPOSE {word}: port {shown} is below 1024",
                    ins_evidence(ctx, ins, f"{raw} expands to {word}" if raw != word else None),
                    data={
                        "port": ports[0],
                        "ports": ports if len(ports) > 1 else [ports[0]],
                        "spec": word,
                    },
                )


RULE = Rule(
    id="UR205",
    kind="dockerfile",
    category=Category.LOW_PORT,
    severity=Severity.WARNING,
    title="Exposed port below 1024",
    rationale=(
        "Binding a port below 1024 needs root or CAP_NET_BIND_SERVICE (unless the host lowered "
        "net.ipv4.ip_unprivileged_port_start); a non-root process fails with EACCES."
    ),
    fix="Listen on a port >= 1024 (e.g. 8080 instead of 80) and let the Service / port mapping "
    "publish the low port.",
    docs="Ranges ('1000-1030'), protocols ('53/udp') and ARG/ENV expansion are understood.",
    check=check,
)
