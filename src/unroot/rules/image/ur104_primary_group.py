"""UR104: a non-root user whose primary group is not 0 (the arbitrary-UID group)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule


def check(ctx: ImageContext) -> Iterator[Finding]:
    user = ctx.user
    if not user.resolved or user.is_root or user.gid == 0:
        return
    how = "as written in USER" if user.group_part is not None else "from its passwd entry"
    yield RULE.finding(
        f"primary group is {user.gid} ({how}); an arbitrary UID runs with group 0, so "
        f"permissions granted to group {user.gid} will not apply",
        Evidence(field="config.User", value=user.spec, detail=f"gid {user.gid}"),
        fix=f"Use 'USER {user.uid}:0' and give group 0 the rights group {user.gid} has.",
        data={"uid": user.uid, "gid": user.gid},
    )


RULE = Rule(
    id="UR104",
    kind="image",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.INFO,
    title="Primary group is not 0",
    rationale=(
        "OpenShift's restricted SCC replaces the image's UID with a random one from the "
        "namespace range and always runs it with GID 0. Files the image prepared for its own "
        "group are then out of reach; files group-owned by 0 and group-writable keep working. "
        "Group 0 grants no privilege by itself: 'USER 1001:0' is not root."
    ),
    fix=(
        "Use group 0 as the primary group: 'USER 1001:0', and 'chgrp -R 0 DIR && chmod -R g=u DIR'."
    ),
    docs=(
        "Informational: the image may work fine under its own UID. Whether anything actually "
        "breaks is decided by the readiness rules (UR130-UR133), which check the directories. "
        "See https://docs.openshift.com/container-platform/latest/openshift_images/"
        "create-images.html (Support arbitrary user ids)."
    ),
    check=check,
)
