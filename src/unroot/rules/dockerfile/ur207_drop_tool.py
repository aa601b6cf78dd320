"""UR207: gosu, su-exec or setpriv is added to the image (a privilege drop at start)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.dockerfile.packages import DROP_TOOLS
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import (
    evidence,
    final_commands,
    final_copies,
    ins_evidence,
)
from unroot.shell.image_changes import installed_packages
from unroot.shell.words import basename, flag_value, positional


def _tool_of(path: str) -> str | None:
    name = posixpath.basename(path.rstrip("/")).lower()
    for tool in DROP_TOOLS:
        if name == tool or name.startswith(tool + "-") or name.startswith(tool + "_"):
            return tool
    return None


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    seen: set[str] = set()
    for _cmd, inner, _user in final_commands(ctx):
        tool = basename(inner.argv[0])
        found: list[str] = [p for p in installed_packages(inner) if p in DROP_TOOLS]
        if tool in ("curl", "wget"):
            out = flag_value(inner, "-o", "--output", "-O", "--output-document")
            targets = [out] if out else positional(inner)
            found += [t for t in (_tool_of(x) for x in targets if x) if t]
        for name in found:
            if name in seen:
                continue
            seen.add(name)
            yield RULE.finding(
                f"{name} is installed: the image is meant to start as root and drop privileges",
                evidence(ctx, inner.line, " ".join(inner.argv)),
                data={"tool": name},
            )
    for _stage, ins, _scope in final_copies(ctx):
        values = [v for v in ins.value if not v.startswith("<<")]
        for source in values:
            copied = _tool_of(source)
            if copied and copied not in seen:
                seen.add(copied)
                name = copied
                yield RULE.finding(
                    f"{name} is copied into the image: it is meant to start as root and drop "
                    "privileges",
                    ins_evidence(ctx, ins),
                    data={"tool": name},
                )


RULE = Rule(
    id="UR207",
    kind="dockerfile",
    category=Category.PRIVILEGE_DROP_AT_START,
    severity=Severity.INFO,
    title="Privilege-drop tool in the image",
    rationale=(
        "gosu, su-exec and setpriv exist to start as root and switch to a service user in the "
        "entrypoint. That is fixable: run as the service user directly after fixing the "
        "ownership of the paths the entrypoint chowns."
    ),
    fix="Set USER to the service user (with group 0), make its data dirs group 0 writable at "
    "build time, and make the entrypoint skip the drop when not root.",
    docs="Package installs (apt-get/apk/dnf/yum/microdnf/zypper), curl/wget downloads and "
    "COPY/ADD of a binary named like the tool.",
    check=check,
)
