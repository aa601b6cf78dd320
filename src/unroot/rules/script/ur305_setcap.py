"""UR305: setcap run at start."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.script._common import loc, where
from unroot.shell.facts import EntrypointAnalysis


def check(analysis: EntrypointAnalysis) -> Iterator[Finding]:
    for s in analysis.setcaps:
        paths = " ".join(s.paths)
        yield RULE.finding(
            f"setcap {s.caps} {paths} at start ({loc(s.file, s.line)}): needs root with "
            "CAP_SETFCAP, and the file capability then needs the capability in the bounding set",
            where(s.file, s.line, s.text),
            data={"caps": s.caps, "paths": list(s.paths)},
        )


RULE = Rule(
    id="UR305",
    kind="script",
    category=Category.FILE_CAPABILITY,
    severity=Severity.ERROR,
    title="Entrypoint sets file capabilities at start",
    rationale=(
        "setcap writes the security.capability xattr, which needs CAP_SETFCAP (root). Done at "
        "start it makes the container need root every time, and the capability it grants must "
        "still be allowed by the runtime."
    ),
    fix=(
        "Avoid the capability (for cap_net_bind_service: listen on a port >= 1024); if it is "
        "really needed, set it at build time and grant it to the container explicitly."
    ),
    docs="Removing capabilities (setcap -r) is not reported.",
    check=check,
)
