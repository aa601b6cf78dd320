"""UR402: the daemon's own user directive (starts as root, then switches user)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.daemons.analyze import DaemonAnalysis
from unroot.daemons.model import BLOCKING
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.daemon._common import severity

_ROOT = frozenset({"root", "0"})


def check(analysis: DaemonAnalysis) -> Iterator[Finding]:
    for cfg in analysis.daemons:
        if cfg.user is None or cfg.user.value in _ROOT or "$" in cfg.user.value:
            continue
        u = cfg.user
        target = u.value + (f":{cfg.group.value}" if cfg.group is not None else "")
        where = "its command line" if u.file == "argv" else f"{u.file}:{u.line}"
        blocks = u.effect == BLOCKING or (cfg.group is not None and cfg.group.effect == BLOCKING)
        directives = u.directive + (
            f"/{cfg.group.directive}"
            if cfg.group is not None and cfg.group.directive != u.directive
            else ""
        )
        if blocks:
            message = (
                f"{cfg.daemon} switches to {target} itself ({directives}, {where}); without "
                f"root the setgid()/setuid() call fails and {cfg.daemon} stops"
            )
            fix = (
                f"Remove '{directives}' ({where}) and run the container as a non-root UID in "
                f"group 0 instead; make the paths {cfg.daemon} writes writable by group 0."
            )
            level = severity(cfg, Severity.WARNING)
        else:
            message = (
                f"{cfg.daemon} starts as root and switches to {target} itself ({directives}, "
                f"{where}); run as non-root, it skips the switch, so the directive is harmless "
                "there"
            )
            fix = (
                f"Run the container as a non-root UID in group 0 ('USER 1001:0', runAsUser) "
                f"instead of relying on '{u.directive}'; {cfg.daemon} then ignores the "
                "directive (or remove it)."
            )
            level = Severity.INFO
        yield RULE.finding(
            message,
            Evidence(
                file=None if u.file == "argv" else u.file,
                line=u.line or None,
                field=u.directive,
                value=u.value,
                detail=cfg.daemon,
            ),
            severity=level,
            fix=fix,
            data={
                "daemon": cfg.daemon,
                "user": u.value,
                "group": cfg.group.value if cfg.group else None,
                "directive": u.directive,
                "file": u.file,
                "line": u.line,
                "effect": BLOCKING if blocks else u.effect,
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
        "root (to bind low ports and open logs) and then switches user. Most daemons skip the "
        "switch when they do not start as root; haproxy and named call setgid()/setuid() "
        "anyway and stop when it fails."
    ),
    fix="Run as a non-root UID directly; remove the directive where the daemon refuses to start.",
    docs=(
        "A warning when the daemon stops on the directive without root (haproxy user/group, "
        'named -u); info when it only ignores it (nginx warns \'the "user" directive makes '
        "sense only if the master process runs with super-user privileges, ignored'). A "
        "directive naming root, or a value with an unexpanded variable, is not reported."
    ),
    check=check,
)
