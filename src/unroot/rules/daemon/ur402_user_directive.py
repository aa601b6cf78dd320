"""UR402: the daemon's own user directive (starts as root, then switches user)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.daemons.analyze import DaemonAnalysis
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule

_ROOT = frozenset({"root", "0"})


def check(analysis: DaemonAnalysis) -> Iterator[Finding]:
    for cfg in analysis.daemons:
        if cfg.user is None or cfg.user.value in _ROOT or "$" in cfg.user.value:
            continue
        u = cfg.user
        target = u.value + (f":{cfg.group.value}" if cfg.group is not None else "")
        where = "its command line" if u.file == "argv" else f"{u.file}:{u.line}"
        yield RULE.finding(
            f"{cfg.daemon} starts as root and switches to {target} itself ({u.directive}, {where})",
            Evidence(
                file=None if u.file == "argv" else u.file,
                line=u.line or None,
                field=u.directive,
                value=u.value,
                detail=cfg.daemon,
            ),
            fix=(
                f"Run the container as {u.value} directly ('USER {u.value}', runAsUser) and "
                f"remove the '{u.directive}' directive (as non-root, {cfg.daemon} ignores it or "
                "fails on it); make the paths it writes writable for that user or group 0."
            ),
            data={
                "daemon": cfg.daemon,
                "user": u.value,
                "group": cfg.group.value if cfg.group else None,
                "directive": u.directive,
                "file": u.file,
                "line": u.line,
            },
        )


RULE = Rule(
    id="UR402",
    kind="daemon",
    category=Category.PRIVILEGE_DROP_AT_START,
    severity=Severity.WARNING,
    title="Daemon drops privileges with its own user directive",
    rationale=(
        "nginx 'user', Apache 'User'/'Group', haproxy 'user', squid 'cache_effective_user', "
        "mysqld 'user', dnsmasq 'user', memcached -u, named -u: the master process starts as "
        "root (to bind low ports and open logs) and the workers switch user. The container "
        "needs root to start even though the work is done as another user."
    ),
    fix="Run as that user directly and remove the directive.",
    docs="A directive naming root, or a value with an unexpanded variable, is not reported.",
    check=check,
)
