"""UR405: the daemon checks who runs it, and an arbitrary UID fails the check."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.daemons.analyze import DaemonAnalysis
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.daemon._common import config_evidence, not_started, severity, where


def check(analysis: DaemonAnalysis) -> Iterator[Finding]:
    configs = {cfg.daemon: cfg for cfg in analysis.daemons}
    for issue in analysis.identity_issues:
        c = issue.check
        cfg = configs[issue.daemon]
        if c.kind == "owner":
            owner = f" (owned by {issue.owner})" if issue.owner else ""
            message = (
                f"{issue.daemon} requires {c.path} to belong to the UID it runs as{owner}; an "
                f"arbitrary UID owns nothing in the image: '{c.says}'"
            )
        else:
            message = f"{issue.daemon} refuses to start unless it is root: '{c.says}'"
        evidence = [
            config_evidence(
                c.file, c.line, c.directive, c.path, f"{issue.daemon} checks {c.directive}"
            )
        ]
        if issue.owner:
            evidence.append(
                Evidence(path=c.path.lstrip("/"), layer=issue.layer or None, detail=issue.owner)
            )
        yield RULE.finding(
            message + not_started(cfg),
            *evidence,
            severity=severity(cfg, Severity.WARNING),
            fix=c.fix,
            data={
                "daemon": issue.daemon,
                "kind": c.kind,
                "path": c.path,
                "directive": c.directive,
                "file": c.file,
                "line": c.line,
                "where": where(c.file, c.line),
                "says": c.says,
            },
        )


RULE = Rule(
    id="UR405",
    kind="daemon",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.WARNING,
    title="Daemon checks its own identity",
    rationale=(
        "Some daemons refuse to run unless their files belong to them or they are root: "
        "PostgreSQL stops when its data directory is not owned by the running user, vsftpd "
        "when its config file is not, vsftpd also unless it is root (without "
        "run_as_launching_user). Permissions for group 0 do not help: an arbitrary UID never "
        "owns what the image ships."
    ),
    fix=(
        "Create such files at start (initdb for PostgreSQL, a copy of the config for vsftpd), "
        "so the UID that runs the container owns them, or switch the daemon's root-only mode off."
    ),
    docs=(
        "A path the entrypoint creates at start (initdb -D DIR, cp SRC DEST) passes the "
        "ownership check."
    ),
    check=check,
)
