"""UR209: a server package installed in the final image leaves root-owned writable dirs."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.dockerfile.packages import PACKAGE_DIRS
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import evidence, final_commands
from unroot.shell.image_changes import installed_packages
from unroot.shell.words import basename

_FIXERS = frozenset({"chgrp", "chown", "chmod"})


def _fixed_paths(ctx: DockerfileContext, after_line: int) -> list[str]:
    """Paths a later chgrp/chown/chmod opens up (group 0 or world/group writable)."""
    out: list[str] = []
    for _cmd, inner, _user in final_commands(ctx):
        if inner.line < after_line or basename(inner.argv[0]) not in _FIXERS:
            continue
        words = [a for a in inner.argv[1:] if not a.startswith("-") or a.startswith("-w")]
        out += [w for w in words[1:] if w.startswith("/")]
    return out


def _covered(path: str, fixed: list[str]) -> bool:
    return any(path == f.rstrip("/") or path.startswith(f.rstrip("/") + "/") for f in fixed)


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    for _cmd, inner, _user in final_commands(ctx):
        for package in installed_packages(inner):
            dirs = PACKAGE_DIRS.get(package)
            if not dirs:
                continue
            fixed = _fixed_paths(ctx, inner.line)
            left = [d for d in dirs if not _covered(d, fixed)]
            if not left:
                continue
            yield RULE.finding(
                f"{package} leaves root-owned dirs the daemon writes: {', '.join(left)}",
                evidence(ctx, inner.line, " ".join(inner.argv)),
                fix=f"After installing, 'chgrp -R 0 {' '.join(left)} && chmod -R g=u "
                f"{' '.join(left)}' (or point the daemon at a writable dir).",
                data={"package": package, "paths": left},
            )


RULE = Rule(
    id="UR209",
    kind="dockerfile",
    category=Category.ROOT_OWNED_WRITABLE_PATHS,
    severity=Severity.WARNING,
    title="Package leaves root-owned writable dirs",
    rationale=(
        "Server packages create their pid, log, cache and data dirs owned by root (or by "
        "their own system user). Run as another UID, the daemon fails at start with "
        "'Permission denied' on the first of them."
    ),
    fix="chgrp -R 0 the dirs and chmod -R g=u them after the install.",
    docs="Package names and their dirs come from unroot.dockerfile.packages; a later "
    "chgrp/chown/chmod on a dir or one of its parents clears it.",
    check=check,
)
