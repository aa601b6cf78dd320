"""UR404: a daemon reads a config, key or certificate an arbitrary UID cannot read."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.daemons.analyze import DaemonAnalysis
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.daemon._common import config_evidence, not_started, severity, where

_WHAT = {
    "config": "config file",
    "key": "private key",
    "cert": "certificate",
    "auth": "access file",
}


def check(analysis: DaemonAnalysis) -> Iterator[Finding]:
    configs = {cfg.daemon: cfg for cfg in analysis.daemons}
    for issue in analysis.read_issues:
        r = issue.read
        cfg = configs[issue.daemon]
        what = _WHAT.get(r.kind, r.kind)
        owner = f"{issue.uid}:{issue.gid} mode {issue.mode & 0o7777:04o}" if issue.mode >= 0 else ""
        if r.kind == "config" and r.directive == "config file":
            source = "the config it loads"
        else:
            source = f"{r.directive}, {where(r.file, r.line, default=r.default)}"
        level = severity(cfg, Severity.WARNING)
        tail = ""
        if not r.fatal:
            level, tail = Severity.INFO, f"; {issue.daemon} starts without it"
        blocker = issue.checked
        fix_dir = blocker if blocker != r.path else ""
        fix = f"At build time: 'chgrp 0 {r.path} && chmod g+r {r.path}'"
        if fix_dir:
            fix += f" and 'chgrp 0 {fix_dir} && chmod g+rx {fix_dir}'"
        fix += (
            " (group 0 gets read access; keep 'other' closed for keys), or copy it at start "
            "to a place the running UID owns."
        )
        evidence = [
            config_evidence(
                r.file if r.file != r.path else "", r.line, r.directive, r.path, issue.daemon
            )
        ]
        if issue.mode >= 0:
            evidence.append(
                Evidence(path=blocker.lstrip("/"), layer=issue.layer or None, detail=owner)
            )
        yield RULE.finding(
            f"{issue.daemon} reads the {what} {r.path} at start ({source}); {issue.reason}"
            f"{tail}{not_started(cfg)}",
            *evidence,
            severity=level,
            fix=fix,
            data={
                "daemon": issue.daemon,
                "path": r.path,
                "kind": r.kind,
                "directive": r.directive,
                "file": r.file,
                "line": r.line,
                "checked": blocker,
                "uid": issue.uid,
                "gid": issue.gid,
                "mode": issue.mode & 0o7777 if issue.mode >= 0 else None,
                "layer": issue.layer,
                "fatal": r.fatal,
            },
        )


RULE = Rule(
    id="UR404",
    kind="daemon",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.WARNING,
    title="Daemon reads a file an arbitrary UID cannot read",
    rationale=(
        "Packages protect configs and keys for the daemon's own user: redis.conf is 0640 "
        "redis:redis in a 2770 directory, PostgreSQL's pg_hba.conf 0640 postgres, TLS keys "
        "0600 root or 0640 root:ssl-cert. An arbitrary UID in group 0 is none of these and the "
        "daemon stops at start ('can't open config file', 'could not access private key file')."
    ),
    fix="Give group 0 read access to the file (and search access to its directories).",
    docs=(
        "Covers the config files the daemon loads (main file and includes) and the keys, "
        "certificates and access files its config names, checked along the whole path with "
        "the arbitrary-UID access model. A file the daemon can start without (named's "
        "rndc.key) is info; a missing file is not reported here."
    ),
    check=check,
)
