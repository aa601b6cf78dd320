"""UR131: WORKDIR is not writable by an arbitrary UID."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule
from unroot.rules.image._util import unwritable_dir_finding


def check(ctx: ImageContext) -> Iterator[Finding]:
    config = ctx.image.config
    found = unwritable_dir_finding(RULE, ctx, "WORKDIR", "config.WorkingDir", config.working_dir)
    if found is not None:
        yield found


RULE = Rule(
    id="UR131",
    kind="image",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.WARNING,
    title="WORKDIR not writable by an arbitrary UID",
    rationale=(
        "The working directory is where servers put pid files, uploads, compiled caches and "
        "logs by default. An arbitrary UID with GID 0 can only write there if the directory "
        "is group 0 and group-writable."
    ),
    fix=(
        "'RUN chgrp -R 0 /app && chmod -R g=u /app' for the WORKDIR, or point the "
        "application's writable paths to a group-writable directory."
    ),
    docs=(
        "A WORKDIR that does not exist in the image is created by the runtime, owned by "
        "root. WORKDIR '/' (or none) is not checked. A directory passes when it is group 0 "
        "with g+wx, or world-writable."
    ),
    check=check,
)
