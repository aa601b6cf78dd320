"""UR401: a daemon's configuration listens on a port below 1024."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.daemons.analyze import DaemonAnalysis
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.daemon._common import not_started, severity

PRIVILEGED_BELOW = 1024


def suggest(port: int) -> int:
    return {80: 8080, 443: 8443, 21: 2121, 22: 2222, 53: 5353}.get(port, port + 8000)


def check(analysis: DaemonAnalysis) -> Iterator[Finding]:
    for cfg in analysis.daemons:
        seen: set[tuple[int, str]] = set()
        for ln in cfg.listen:
            if not 0 < ln.port < PRIVILEGED_BELOW or (ln.port, ln.proto) in seen:
                continue
            seen.add((ln.port, ln.proto))
            new = suggest(ln.port)
            where = "its built-in default" if ln.default else f"{ln.file}:{ln.line}"
            if ln.file == "argv":
                where = "its command line"
            directive = ln.directive or "port"
            level = severity(cfg, RULE.severity)
            unknown = ""
            if ln.default and cfg.config_unknown:
                level, unknown = Severity.INFO, f" ({cfg.config_note}: it may set another)"
            evidence = Evidence(
                file=None if ln.file == "argv" else ln.file,
                line=ln.line or None,
                field=directive,
                value=f"{ln.addr}:{ln.port}" if ln.addr else str(ln.port),
                detail=f"{cfg.daemon} {ln.proto}",
            )
            yield RULE.finding(
                f"{cfg.daemon} listens on port {ln.port}/{ln.proto} ({directive}, {where}); "
                f"binding it needs root or CAP_NET_BIND_SERVICE{unknown}{not_started(cfg)}",
                evidence,
                severity=level,
                fix=(
                    f"Change '{directive} {ln.port}' to '{directive} {new}' and publish it as "
                    f"the old port ('-p {ln.port}:{new}', or a Service port {ln.port} -> "
                    f"targetPort {new}); or grant NET_BIND_SERVICE, or set the sysctl "
                    f"net.ipv4.ip_unprivileged_port_start={ln.port}."
                ),
                data={
                    "daemon": cfg.daemon,
                    "port": ln.port,
                    "protocol": ln.proto,
                    "suggested_port": new,
                    "directive": directive,
                    "file": ln.file,
                    "line": ln.line,
                    "default": ln.default,
                },
            )


RULE = Rule(
    id="UR401",
    kind="daemon",
    category=Category.LOW_PORT,
    severity=Severity.WARNING,
    title="Daemon listens on a port below 1024",
    rationale=(
        "The port a server binds is in its configuration, not in EXPOSE. Ports below 1024 need "
        "CAP_NET_BIND_SERVICE, so a daemon configured for 80, 443, 53 or 22 fails to start as a "
        "non-root user even when the image declares nothing."
    ),
    fix=(
        "Configure an unprivileged port (8080, 8443, 5353, 2222) and map the old port outside, "
        "or grant NET_BIND_SERVICE."
    ),
    docs=(
        "Reads the listening directives of every daemon in the table (nginx listen, Apache "
        "Listen, haproxy bind, redis port, named listen-on, ...) from the config the command "
        "line loads; command-line flags of the process the entrypoint runs override the file. "
        "A daemon the entrypoint does not start is reported as info."
    ),
    check=check,
)
