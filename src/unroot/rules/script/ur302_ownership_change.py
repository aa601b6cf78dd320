"""UR302: chown/chgrp/chmod of data directories at start."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.script._common import loc, where
from unroot.shell.facts import EntrypointAnalysis


def check(analysis: EntrypointAnalysis) -> Iterator[Finding]:
    category = (
        Category.PRIVILEGE_DROP_AT_START if analysis.drops else Category.ROOT_OWNED_WRITABLE_PATHS
    )
    for ch in analysis.chowns:
        paths = " ".join(ch.paths)
        if ch.tool == "chmod":
            what = f"chmod {ch.mode or ''} {paths}".replace("  ", " ")
            need = "works only for the owner of the files (or root)"
            severity = Severity.INFO
        else:
            owner = (
                ":".join(x for x in (ch.owner, ch.group) if x)
                if ch.tool == "chown"
                else (ch.group or "")
            )
            what = f"{ch.tool}{' -R' if ch.recursive else ''} {owner} {paths}"
            need = "needs root (CAP_CHOWN)"
            severity = Severity.WARNING
        target = ch.owner or ch.group or "the runtime user"
        yield RULE.finding(
            f"{what} at start ({loc(ch.file, ch.line)}) {need}",
            where(ch.file, ch.line, ch.text),
            severity=severity,
            category=category,
            fix=(
                f"Set the ownership at build time instead (COPY --chown, or RUN chgrp -R 0 "
                f"{paths} && chmod -R g=u {paths}), run as {target}, and remove this line or "
                "make it conditional on running as root."
            ),
            data={
                "tool": ch.tool,
                "paths": list(ch.paths),
                "owner": ch.owner,
                "group": ch.group,
                "mode": ch.mode,
                "recursive": ch.recursive,
            },
        )


RULE = Rule(
    id="UR302",
    kind="script",
    category=Category.PRIVILEGE_DROP_AT_START,
    severity=Severity.WARNING,
    title="Entrypoint changes ownership or modes at start",
    rationale=(
        "chown needs CAP_CHOWN, and chmod works only on files the caller owns. Entrypoints that "
        "fix ownership of volumes at every start are the main reason images with a privilege "
        "drop need to start as root."
    ),
    fix=(
        "Fix ownership at build time (group 0, group-writable) and let the platform give "
        "volumes the right group (fsGroup); keep the chown only under an 'id -u = 0' guard."
    ),
    docs=(
        "Category privilege_drop_at_start when the script also drops privileges (the chown "
        "prepares the drop), otherwise root_owned_writable_paths. chmod is reported as info."
    ),
    check=check,
)
