"""UR111: setgid files."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule
from unroot.rules.image._util import file_evidence, mode_text, unused_note


def check(ctx: ImageContext) -> Iterator[Finding]:
    names = {g.gid: g.name for g in ctx.groups}
    for entry in sorted(
        (e for e in ctx.image.tree if e.mode & 0o2000 and e.setgid), key=lambda e: e.path
    ):
        group = f"group {entry.gid}" + (f" ({names[entry.gid]})" if entry.gid in names else "")
        used = ctx.start.runs(entry.path)
        yield RULE.finding(
            f"/{entry.path} is setgid {group} (mode {mode_text(entry)})" + unused_note(used),
            file_evidence(entry),
            severity=Severity.WARNING if used else Severity.INFO,
            data={
                "path": "/" + entry.path,
                "mode": entry.mode & 0o7777,
                "gid": entry.gid,
                "used": used,
            },
        )


RULE = Rule(
    id="UR111",
    kind="image",
    category=Category.SETUID_BINARY,
    severity=Severity.WARNING,
    title="Setgid file",
    rationale=(
        "A setgid binary runs with its file's group (shadow, tty, mail...), granting a "
        "non-root user access that group has, e.g. reading /etc/shadow. Under no_new_privs "
        "(allowPrivilegeEscalation: false) the bit is ignored and the binary loses that access."
    ),
    fix=(
        "Remove the bit: 'RUN chmod g-s FILE' (or 'find / -xdev -perm -2000 -type f -exec "
        "chmod g-s {} +')."
    ),
    docs=(
        "Only regular files are reported; the setgid bit on a directory only makes new "
        "files inherit the directory's group and is harmless. A warning when the entrypoint "
        "runs the file, info otherwise."
    ),
    check=check,
)
