"""UR101: the container's first process runs as UID 0."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule


def check(ctx: ImageContext) -> Iterator[Finding]:
    user = ctx.user
    if not user.is_root:
        return
    spec = user.spec.strip()
    if not spec:
        message = "runs as root: no USER is set, so the container starts as UID 0"
        detail = "no USER set (defaults to root)"
    elif user.user_numeric:
        message = f"runs as root: USER {spec} is UID 0"
        detail = "UID 0 is root whatever the group"
    else:
        message = f"runs as root: USER {spec} resolves to UID 0 in the image's /etc/passwd"
        detail = f"{user.user_part} has UID 0"
    yield RULE.finding(
        message,
        Evidence(field="config.User", value=user.spec, detail=detail),
        data={"user": user.spec, "uid": 0, "gid": user.gid},
    )


RULE = Rule(
    id="UR101",
    kind="image",
    category=Category.NO_USER,
    severity=Severity.ERROR,
    title="Image runs as root",
    rationale=(
        "The image config's User decides the UID of the container's first process. Empty, "
        "'root', '0', '0:N' and 'root:N' all mean UID 0. Platforms that forbid root "
        "(Kubernetes Pod Security 'restricted' with runAsNonRoot, OpenShift's restricted SCC) "
        "either refuse such an image or start it under a different UID it was never tested "
        "with; anywhere else, a compromise of the process is a compromise of root in the "
        "container, one kernel bug away from the host."
    ),
    fix=(
        "Create a user and switch to it by number, with group 0 so an arbitrary UID also "
        "works: 'RUN useradd -u 1001 -g 0 -d /home/app -m app' then 'USER 1001:0'; make the "
        "directories the process writes group 0 and group-writable ('chgrp -R 0 DIR && "
        "chmod -R g=u DIR')."
    ),
    docs=(
        "The group part does not matter for this rule: '0:1000' is still root, while "
        "'1000:0' is not (GID 0 alone grants no privilege; it is the OpenShift convention for "
        "arbitrary UIDs). A name is resolved through the image's own /etc/passwd, so a user "
        "named something else with UID 0 is root too. See "
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/ (runAsNonRoot) "
        "and https://docs.openshift.com/container-platform/latest/openshift_images/"
        "create-images.html (Support arbitrary user ids)."
    ),
    check=check,
)
