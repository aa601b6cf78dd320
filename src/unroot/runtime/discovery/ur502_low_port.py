"""UR502: observed at run time, binding a port below 1024 was refused."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.runtime.discovery.context import Observed

SUGGESTED = {80: 8080, 443: 8443, 21: 2121, 22: 2222, 25: 2525, 53: 5353}


def suggest(port: int) -> int:
    return SUGGESTED.get(port, port + 8000)


def check(obs: Observed) -> Iterator[Finding]:
    for index, d in enumerate(obs.denials):
        if d.kind != "port" or d.port is None:
            continue
        new = suggest(d.port)
        proto = d.proto or "tcp"
        yield RULE.finding(
            f"binding port {d.port}/{proto} was refused: ports below 1024 need "
            "CAP_NET_BIND_SERVICE",
            obs.evidence(d),
            severity=obs.severity(index),
            fix=(
                f"Listen on {new} instead and publish it as the old port ('-p {d.port}:{new}', "
                f"or a Service port {d.port} -> targetPort {new}); or set the sysctl "
                f"net.ipv4.ip_unprivileged_port_start={d.port}."
            ),
            data=obs.data(index, d, port=d.port, protocol=proto, suggested_port=new),
        )


RULE = Rule(
    id="UR502",
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
