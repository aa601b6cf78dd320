"""UR204: setcap gives a file capabilities in the final image."""

from __future__ import annotations

import re
from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import evidence, final_commands
from unroot.shell.words import basename


def capabilities(text: str) -> list[str]:
    """``cap_net_bind_service,cap_net_raw+ep`` -> ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]."""
    names: list[str] = []
    for clause in text.split():
        match = re.match(r"^([A-Za-z_0-9,]+)[=+-]", clause)
        if not match:
            continue
        for name in match.group(1).split(","):
            name = name.strip().upper()
            if name and name != "ALL":
                names.append(name if name.startswith("CAP_") else "CAP_" + name)
            elif name == "ALL":
                names.append("ALL")
    return names


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    for _cmd, inner, _user in final_commands(ctx):
        if basename(inner.argv[0]) != "setcap":
            continue
        args = list(inner.argv[1:])
        if "-r" in args:
            continue
        operands = [a for a in args if not a.startswith("-")]
        if len(operands) < 2:
            continue
        caps = capabilities(operands[0])
        files = operands[1:]
        yield RULE.finding(
            f"setcap gives {', '.join(caps) or operands[0]} to {', '.join(files)}",
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
