"""UR110: setuid files, a way back to root for a non-root user."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule
from unroot.rules.image._util import file_evidence, mode_text, unused_note


def check(ctx: ImageContext) -> Iterator[Finding]:
    for entry in sorted(
        (e for e in ctx.image.tree if e.mode & 0o4000 and e.setuid), key=lambda e: e.path
    ):
        owner = "root" if entry.uid == 0 else f"UID {entry.uid}"
        used = ctx.start.runs(entry.path)
        yield RULE.finding(
            f"/{entry.path} is setuid {owner} (mode {mode_text(entry)})" + unused_note(used),
            file_evidence(entry),
            severity=Severity.WARNING if used else Severity.INFO,
            data={
                "path": "/" + entry.path,
                "mode": entry.mode & 0o7777,
                "uid": entry.uid,
                "used": used,
            },
        )


RULE = Rule(
    id="UR110",
    kind="image",
    category=Category.SETUID_BINARY,
    severity=Severity.WARNING,
    title="Setuid file",
    rationale=(
        "A setuid-root binary runs as root whoever starts it, so a non-root container user "
        "can regain root through it (su, passwd, mount...). Restricted platforms set "
        "no_new_privs (allowPrivilegeEscalation: false), which makes the kernel ignore the "
        "bit: then the binary silently loses its privilege and whatever relies on it fails."
    ),
    fix=(
        "Remove the bit in the image ('RUN chmod u-s FILE', or 'find / -xdev -perm -4000 "
        "-exec chmod u-s {} +'), or remove the package if nothing uses it."
    ),
    docs=(
        "Base images ship several (su, passwd, chsh, mount, newgrp). They are rarely needed "
        "in a container. A setuid binary owned by another UID is reported too: it switches "
        "to that UID, which an arbitrary-UID platform also blocks. A warning when the "
        "entrypoint runs the file (it then loses its privilege under no_new_privs), info "
        "otherwise: a bit nothing uses blocks nothing, and no_new_privs disarms it."
    ),
    check=check,
)
