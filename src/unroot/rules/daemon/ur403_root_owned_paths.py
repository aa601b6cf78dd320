"""UR403: a daemon writes paths (pid, logs, cache, temp, data) that only root can write."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.daemons.analyze import DaemonAnalysis
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule


def check(analysis: DaemonAnalysis) -> Iterator[Finding]:
    for issue in analysis.path_issues:
        p = issue.path
        target = p.path if p.is_dir or issue.checked == p.path else issue.checked
        owner = f"{issue.uid}:{issue.gid} mode {issue.mode & 0o7777:04o}"
        where = "its command line" if p.file == "argv" else f"{p.file}:{p.line}"
        source = p.kind if p.kind == p.directive else f"{p.kind}, {p.directive}"
        yield RULE.finding(
            f"{issue.daemon} writes {p.path} ({source}, {where}); "
            f"{issue.checked} is owned by {owner} and not writable by group 0",
            Evidence(
                file=None if p.file == "argv" else p.file,
                line=p.line or None,
                field=p.directive,
                value=p.path,
            ),
            Evidence(path=issue.checked.lstrip("/"), layer=issue.layer or None, detail=owner),
            fix=(
                f"At build time: 'mkdir -p {target} && chgrp -R 0 {target} && chmod -R g=u "
                f"{target}'; or point {p.directive} at a writable place (/tmp, a volume)."
            ),
            data={
                "daemon": issue.daemon,
                "path": p.path,
                "kind": p.kind,
                "checked": issue.checked,
                "uid": issue.uid,
                "gid": issue.gid,
                "mode": issue.mode & 0o7777,
                "layer": issue.layer,
            },
        )


RULE = Rule(
    id="UR403",
    kind="daemon",
    category=Category.ROOT_OWNED_WRITABLE_PATHS,
    severity=Severity.WARNING,
    title="Daemon writes root-owned paths",
    rationale=(
        "Daemons write pid files, logs, caches and temp files at run time. When those paths "
        "(or the directories they are created in) are owned by root and not group-writable, "
        "the daemon fails as any other user, which is why many images start as root."
    ),
    fix="Make the paths group-0 owned and group-writable at build time, or move them.",
    docs=(
        "Checked only with image metadata. The path itself is checked if it exists, else its "
        "nearest existing ancestor; symlinks inside the image are followed and links to "
        "/dev/stdout style targets are fine."
    ),
    check=check,
)
