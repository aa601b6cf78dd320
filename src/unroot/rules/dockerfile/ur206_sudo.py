"""UR206: a RUN step invokes sudo."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import evidence, final_commands
from unroot.shell.unwrap import program


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    for cmd, _inner, user in final_commands(ctx):
        if program(cmd) != "sudo":
            continue
        yield RULE.finding(
            f"RUN invokes sudo (as USER {user or 'root'}): this step needs root",
            evidence(ctx, cmd.line, " ".join(cmd.argv)),
            data={"user": user},
        )


RULE = Rule(
    id="UR206",
    kind="dockerfile",
    category=Category.NO_USER,
    severity=Severity.WARNING,
    title="sudo invoked in RUN",
    rationale=(
        "sudo in a build step means the step needs root while the Dockerfile has switched "
        "away from it. It only works through sudo's setuid bit and a sudoers entry, which stay "
        "in the image and let the 'non-root' user become root at runtime. The category is "
        "no_user because the fix is about where USER is set, not about the sudo binary."
    ),
    fix="Run the root steps before 'USER app' (or between 'USER root' and 'USER app'), drop "
    "the sudo package and its sudoers entry.",
    docs="Installing or removing the sudo package is not a finding: only a command whose "
    "program (after env/exec/nohup wrappers) is sudo.",
    check=check,
)
