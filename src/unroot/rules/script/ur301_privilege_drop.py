"""UR301: the entrypoint starts as root only to switch to another user (gosu, su-exec...)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.script._common import loc, where
from unroot.shell.facts import EntrypointAnalysis


def check(analysis: EntrypointAnalysis) -> Iterator[Finding]:
    seen: set[tuple[str, str, str, int]] = set()
    for drop in analysis.drops:
        key = (drop.tool, drop.user, drop.file, drop.line)
        if key in seen:
            continue
        seen.add(key)
        if not analysis.starts_as_root and drop.guarded:
            continue  # started as non-root, the guarded branch never runs
        target = drop.user + (f":{drop.group}" if drop.group else "")
        parts = [
            f"starts as root and drops to {target} with {drop.tool} ({loc(drop.file, drop.line)})"
        ]
        if drop.guarded and analysis.root_guard is not None:
            g = analysis.root_guard
            parts.append(
                f"; the script checks its UID ({loc(g.file, g.line)}), so it also runs when "
                f"started as {drop.user}"
            )
        if analysis.root_required is not None:
            r = analysis.root_required
            parts.append(f"; the script exits unless it runs as root ({loc(r.file, r.line)})")
        if not analysis.starts_as_root:
            parts.append(f"; the image user is {analysis.user!r}, so this {drop.tool} call fails")
        if analysis.needs_root_only_to_drop:
            parts.append("; root is needed only to fix ownership and drop privileges")
        user = drop.user
        fix = (
            f"Run as {user} directly ('USER {user}' in the Dockerfile, runAsUser in Kubernetes); "
            "make the data directories owned by group 0 and group-writable at build time "
            "('chgrp -R 0 DIR && chmod -R g=u DIR'), and remove the chown and the "
            f"{drop.tool} step (keep the script working when it is not root)."
        )
        yield RULE.finding(
            "".join(parts),
            where(drop.file, drop.line, drop.text),
            fix=fix,
            data={
                "tool": drop.tool,
                "user": drop.user,
                "group": drop.group,
                "guarded": drop.guarded,
                "only_to_drop": analysis.needs_root_only_to_drop,
            },
        )


RULE = Rule(
    id="UR301",
    kind="script",
    category=Category.PRIVILEGE_DROP_AT_START,
    severity=Severity.WARNING,
    title="Entrypoint drops privileges at start",
    rationale=(
        "About a third of official images start as root, chown their data directories and then "
        "switch user with gosu, su-exec, setpriv, su, runuser, chroot --userspec or "
        "s6-setuidgid. The process that serves requests is not root, but the container must be "
        "allowed to start as root, which runAsNonRoot and restricted policies forbid."
    ),
    fix=(
        "Run the container as the target user directly, prepare the directories at build time "
        "(group 0, group-writable) and keep the entrypoint working when it is not root."
    ),
    docs=(
        "Reported once per switch, with the script file and line. When the script guards the "
        "switch with an 'id -u = 0' check the message says so: such images usually run "
        "unchanged with --user once the data directories are writable."
    ),
    check=check,
)
