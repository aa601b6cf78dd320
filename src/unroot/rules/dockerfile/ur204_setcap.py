"""UR204: setcap gives a file capabilities in the final image."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import evidence, final_commands
from unroot.shell.classify import setcap
from unroot.shell.image_changes import capability_names


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    for _cmd, inner, _user in final_commands(ctx):
        found = setcap(inner, ctx.path)
        if found is None or not found.paths:
            continue
        caps = capability_names(found.caps)
        files = list(found.paths)
        yield RULE.finding(
            f"setcap gives {', '.join(caps) or found.caps} to {', '.join(files)}",
            evidence(ctx, inner.line, " ".join(inner.argv)),
            data={"capabilities": caps, "paths": files},
        )


RULE = Rule(
    id="UR204",
    kind="dockerfile",
    category=Category.FILE_CAPABILITY,
    severity=Severity.WARNING,
    title="File capabilities set with setcap",
    rationale=(
        "A file capability is only granted when the runtime's bounding set allows it: under "
        "'restricted' Pod Security (drop ALL, at most NET_BIND_SERVICE added) and with "
        "no_new_privs the binary fails with 'Operation not permitted' at exec."
    ),
    fix="Avoid the capability (listen on a port >= 1024, let the platform map it) or request "
    "exactly that capability in the pod spec and document it.",
    docs="Names every capability of the setcap clause; 'setcap -r' (removal) is not a finding.",
    check=check,
)
