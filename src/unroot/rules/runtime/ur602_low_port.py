"""UR602: observed at run time, binding a port below 1024 was refused."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.runtime._observed import Denial, Observed

SUGGESTED = {80: 8080, 443: 8443, 21: 2121, 22: 2222, 25: 2525, 53: 5353}


def suggest(port: int) -> int:
    return SUGGESTED.get(port, port + 8000)


def check(obs: Observed) -> Iterator[Finding]:
    for index, d in enumerate(obs.denials):
        if d.kind != "port":
            continue
        port, port_from = d.port, None
        if port is None:
            low = sorted({p for p in obs.ports if 0 < p < 1024})
            if len(low) != 1:
                yield _unnamed(obs, index, d)
                continue
            port, port_from = low[0], "the image's port (the log does not name one)"
        new = suggest(port)
        proto = d.proto or "tcp"
        yield RULE.finding(
            f"binding port {port}/{proto} was refused: ports below 1024 need CAP_NET_BIND_SERVICE",
            obs.evidence(d),
            severity=obs.severity(index),
            fix=(
                f"Listen on {new} instead and publish it as the old port ('-p {port}:{new}', "
                f"or a Service port {port} -> targetPort {new}); or set the sysctl "
                f"net.ipv4.ip_unprivileged_port_start={port}."
            ),
            data=obs.data(
                index, d, port=port, protocol=proto, suggested_port=new, port_from=port_from
            ),
        )


def _unnamed(obs: Observed, index: int, d: Denial) -> Finding:
    return RULE.finding(
        "binding a port was refused (which one is not known): ports below 1024 need "
        "CAP_NET_BIND_SERVICE",
        obs.evidence(d),
        severity=obs.severity(index),
        data=obs.data(index, d, port=None),
    )


RULE = Rule(
    id="UR602",
    kind="runtime",
    category=Category.LOW_PORT,
    severity=Severity.ERROR,
    title="Observed: binding a port below 1024 was refused",
    rationale=(
        "Without CAP_NET_BIND_SERVICE a process cannot bind ports below 1024. The trace shows "
        "the port the daemon really tried, whatever its configuration or EXPOSE say."
    ),
    fix="Listen on an unprivileged port and map the old port outside.",
    docs="From bind() failing with EACCES (strace), or a bind error with a port in the logs.",
    check=check,
)
