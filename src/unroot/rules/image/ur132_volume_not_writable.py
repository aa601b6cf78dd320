"""UR132: VOLUME directories not writable by an arbitrary UID."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule
from unroot.rules.image._util import unwritable_dir_finding


def check(ctx: ImageContext) -> Iterator[Finding]:
    for volume in sorted(set(ctx.image.config.volumes)):
        found = unwritable_dir_finding(RULE, ctx, "VOLUME", "config.Volumes", volume)
        if found is not None:
            yield found


RULE = Rule(
    id="UR132",
    kind="image",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.WARNING,
    title="VOLUME not writable by an arbitrary UID",
    rationale=(
        "A VOLUME is declared because the application writes there. A fresh named volume "
        "copies the image directory's owner and mode, so if the directory is not group 0 "
        "and group-writable, an arbitrary UID cannot write its data."
    ),
    fix=(
        "Create the directory in the image, group 0 and group-writable: "
        "'RUN mkdir -p /data && chgrp 0 /data && chmod g=u /data', or set the pod's "
        "fsGroup so the volume is made writable for the pod."
    ),
    docs=(
        "Kubernetes volumes with fsGroup are chowned to that group at mount time, which "
        "hides this problem for those volume types but not for podman/docker named volumes "
        "or hostPath. A directory passes when it is group 0 with g+wx, or world-writable."
    ),
    check=check,
)
