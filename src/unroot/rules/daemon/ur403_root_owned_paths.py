"""UR403: a daemon writes paths (pid, logs, cache, temp, data) an arbitrary UID cannot write."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from unroot.daemons.analyze import DaemonAnalysis
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.daemon._common import config_evidence, not_started, severity, where


def check(analysis: DaemonAnalysis) -> Iterator[Finding]:
    configs = {cfg.daemon: cfg for cfg in analysis.daemons}
    for issue in analysis.path_issues:
        p = issue.path
        cfg = configs[issue.daemon]
        target = p.path if p.is_dir else posixpath.dirname(p.path)
        owner = f"{issue.uid}:{issue.gid} mode {issue.mode & 0o7777:04o}" if issue.mode >= 0 else ""
        at = where(p.file, p.line, default=p.default)
        source = p.kind if p.kind == p.directive else f"{p.kind}, {p.directive}"
        reason = issue.reason or f"{issue.checked} is owned by {owner}"
        level = severity(cfg, Severity.WARNING)
        tail = ""
        if issue.allowed is None:
            level, tail = Severity.INFO, " (ownership not known here)"
        elif p.default and cfg.config_unknown:
            level, tail = (
                Severity.INFO,
                f" (compiled in, but {cfg.config_note}: it may set another)",
            )
        elif not p.fatal:
            level, tail = Severity.INFO, f"; {issue.daemon} reports it and goes on"
        evidence = [config_evidence(p.file, p.line, p.directive, p.path, issue.daemon)]
        if issue.mode >= 0:
            evidence.append(
                Evidence(path=issue.checked.lstrip("/"), layer=issue.layer or None, detail=owner)
            )
        yield RULE.finding(
            f"{issue.daemon} writes {p.path} ({source}, {at}); {reason}{tail}{not_started(cfg)}",
            *evidence,
            severity=level,
            fix=(
                f"At build time: 'mkdir -p {target} && chgrp -R 0 {target} && chmod -R g=u "
                f"{target}'; or point {p.directive} at a writable place (/tmp, a volume)."
            ),
            data={
                "daemon": issue.daemon,
                "path": p.path,
                "kind": p.kind,
                "directive": p.directive,
                "file": p.file,
                "line": p.line,
                "default": p.default,
                "fatal": p.fatal,
                "checked": issue.checked,
                "uid": issue.uid,
                "gid": issue.gid,
                "mode": issue.mode & 0o7777 if issue.mode >= 0 else None,
                "layer": issue.layer,
                "reason": reason,
            },
        )


RULE = Rule(
    id="UR403",
    kind="daemon",
    category=Category.ROOT_OWNED_WRITABLE_PATHS,
    severity=Severity.WARNING,
    title="Daemon writes paths an arbitrary UID cannot write",
    rationale=(
        "Daemons write pid files, logs, caches, sockets and data at run time, at paths set in "
        "their config or compiled in (nginx's /var/lib/nginx/body, squid's /run/squid.pid). "
        "An arbitrary UID in group 0 owns none of them: a path owned by root, or by the "
        "daemon's own user (redis:redis 0750), that group 0 cannot write makes the daemon fail."
    ),
    fix="Make the paths group-0 owned and group-writable at build time, or move them.",
    docs=(
        "Checked with image metadata through the arbitrary-UID access model: search permission "
        "on every directory of the path, then write permission on the file, or on the "
        "directory it is created in; symlinks inside the image are followed and links to "
        "/dev/stdout style targets are fine. A data directory's existing files must be "
        "writable too. Paths the daemon survives failing on (redis's pidfile, mosquitto's "
        "log file) and paths the entrypoint creates at start are info or not reported."
    ),
    check=check,
)
