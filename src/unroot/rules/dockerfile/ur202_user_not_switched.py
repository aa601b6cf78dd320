"""UR202: a user is created in the final image but the image never switches to it."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import evidence, final_commands
from unroot.shell.image_changes import created_user
from unroot.untrusted import is_decimal


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    if ctx.user.user.is_root is not True:
        return
    for _cmd, inner, _user in final_commands(ctx):
        made = created_user(inner)
        if made is None:
            continue
        name, uid = made
        target = f"{uid}:0" if uid and is_decimal(uid) else name
        yield RULE.finding(
            f"user {name!r} is created but the image never switches to it (it runs as root)",
            evidence(ctx, inner.line, " ".join(inner.argv)),
            fix=f"Add 'USER {target}' at the end of the final stage (after the steps that need "
            "root), and make the paths it writes group 0 and group-writable.",
            data={"user": name, "uid": uid},
        )


RULE = Rule(
    id="UR202",
    kind="dockerfile",
    category=Category.NO_USER,
    severity=Severity.WARNING,
    title="User created but never used",
    rationale=(
        "A useradd/adduser in the final image shows the author meant to run as that user, "
        "but without a USER instruction the container still starts as root."
    ),
    fix="Switch to the created user with USER (by number, with group 0).",
    docs="Commands are read with a shell parser, so 'sudo useradd', 'sh -c \"useradd ...\"' and "
    "continuation lines count; 'adduser USER GROUP' (adding to a group) does not.",
    check=check,
)
