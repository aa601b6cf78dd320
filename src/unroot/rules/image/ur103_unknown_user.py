"""UR103: the image user or group cannot be resolved, so the container cannot start."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule


def check(ctx: ImageContext) -> Iterator[Finding]:
    user = ctx.user
    spec = user.spec.strip()
    if user.invalid:
        yield RULE.finding(
            f"USER {spec!r} is not a valid user[:group]: {user.invalid}",
            Evidence(field="config.User", value=user.spec, detail=user.invalid),
        )
        return
    if user.unknown_user:
        where = "/etc/passwd" if ctx.has_passwd_file else "/etc/passwd (the image has none)"
        yield RULE.finding(
            f"USER {spec}: user {user.user_part!r} is not in the image's {where}; "
            "the runtime will refuse to start the container",
            Evidence(
                field="config.User",
                value=user.spec,
                detail=f"no passwd entry named {user.user_part!r}",
            ),
            Evidence(path="/etc/passwd", detail="looked up here"),
            data={"user": user.user_part},
        )
    if user.unknown_group:
        where = "/etc/group" if ctx.has_group_file else "/etc/group (the image has none)"
        yield RULE.finding(
            f"USER {spec}: group {user.group_part!r} is not in the image's {where}; "
            "the runtime will refuse to start the container",
            Evidence(
                field="config.User",
                value=user.spec,
                detail=f"no group entry named {user.group_part!r}",
            ),
            Evidence(path="/etc/group", detail="looked up here"),
            data={"group": user.group_part},
        )


RULE = Rule(
    id="UR103",
    kind="image",
    category=Category.INPUT,
    severity=Severity.ERROR,
    title="Image user or group not found in the image",
    rationale=(
        "Runtimes resolve a user or group name through the image's own /etc/passwd and "
        "/etc/group. A name that is missing there (a typo, a user created in a builder stage "
        "only, a distroless image without the entry) makes 'podman run' fail with 'unable to "
        "find user'. unroot cannot tell whether such an image would run as root."
    ),
    fix=(
        "Create the user in the final stage ('RUN useradd -u 1001 -g 0 app'), or use numeric "
        "ids, which need no entry: 'USER 1001:0'."
    ),
    docs=(
        "Numeric ids never fail this way: a UID without a passwd entry runs with GID 0 and "
        "HOME=/. Invalid forms such as 'a:b:c' or ids above 4294967294 are reported here too."
    ),
    check=check,
)
