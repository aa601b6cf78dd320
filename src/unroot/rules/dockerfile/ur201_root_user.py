"""UR201: the final stage runs as root (any spelling), or sets no USER over a root base."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import ins_evidence


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    setting = ctx.user
    user = setting.user
    if user.is_root is None and setting.source == "dockerfile" and setting.instruction:
        ins = setting.instruction
        names = ", ".join(setting.unresolved) or "its variables"
        yield RULE.finding(
            f"USER {ins.value[0] if ins.value else ''} is empty unless {names} is passed as a "
            "build argument: the image then runs as root (or fails to build)",
            ins_evidence(ctx, ins, "the last USER of the final image"),
            data={"user": "", "stage": ctx.final.index, "source": "dockerfile"},
        )
        return
    if user.is_root is not True:
        return
    if setting.source == "dockerfile" and setting.instruction is not None:
        ins = setting.instruction
        written = ins.value[0] if ins.value else ""
        shown = user.spec if written == user.spec else f"{written} (= {user.spec})"
        where = (
            ""
            if setting.stage == ctx.final.index
            else (f", inherited from {ctx.stages[setting.stage or 0].label}")
        )
        yield RULE.finding(
            f"final stage runs as root: USER {shown} is UID 0{where}",
            ins_evidence(ctx, ins, "the last USER of the final image"),
            data={"user": user.spec, "stage": ctx.final.index, "source": "dockerfile"},
        )
        return
    base = ctx.base
    yield RULE.finding(
        f"final stage sets no USER, and its base {base.ref} runs as root ({base.note})",
        Evidence(
            file=ctx.path,
            line=ctx.chain[0].line,
            value=f"FROM {ctx.chain[0].base_raw}",
            detail="no USER in the final stage or the stages it is built on",
        ),
        data={"user": base.user or "", "stage": ctx.final.index, "source": base.source},
    )


RULE = Rule(
    id="UR201",
    kind="dockerfile",
    category=Category.NO_USER,
    severity=Severity.ERROR,
    title="Final stage runs as root",
    rationale=(
        "The last USER of the final stage (or of the stages it is built FROM) decides the "
        "image's user; 'root', '0', '0:0', 'root:root', '0:N' and a variable expanding to one "
        "of them are all UID 0, and no USER at all keeps the base image's user. Builder stages "
        "do not ship, so their USER is ignored."
    ),
    fix=(
        "Create a user with group 0 and end the final stage with it by number: "
        "'RUN useradd -u 1001 -g 0 -m app' then 'USER 1001:0'."
    ),
    docs="Unlike hadolint DL3002 (every stage) and trivy DS002 / checkov CKV_DOCKER_8 (last "
    "USER of the file), only the final stage's chain counts.",
    check=check,
)
