"""UR203: the final image sets the setuid or setgid bit (chmod, install -m, COPY --chmod)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import evidence, final_commands, final_copies, ins_evidence
from unroot.shell.command import Command
from unroot.shell.words import basename

_SYMBOLIC = re.compile(r"^[ugoa]*[+=][rwxXst]*$")


def special_bits(mode: str) -> str | None:
    """ "setuid"/"setgid"/"setuid+setgid" when ``mode`` grants them, else None."""
    parts: list[str] = []
    if mode.isascii() and mode.isdigit() and len(mode) >= 4:
        special = int(mode[-4], 8) if mode[-4] in "01234567" else 0
        if special & 4:
            parts.append("setuid")
        if special & 2:
            parts.append("setgid")
        return "+".join(parts) or None
    for clause in mode.split(","):
        if not _SYMBOLIC.match(clause) or "s" not in clause:
            continue
        who = re.match(r"^[ugoa]*", clause)
        people = who.group(0) if who else ""
        if not people or "a" in people or "u" in people:
            parts.append("setuid")
        if not people or "a" in people or "g" in people:
            parts.append("setgid")
    return "+".join(dict.fromkeys(parts)) or None


def _mode_and_paths(cmd: Command) -> tuple[str, list[str]] | None:
    tool = basename(cmd.argv[0])
    args = [a for a in cmd.argv[1:]]
    if tool == "chmod":
        words = [a for a in args if not (a.startswith("-") and not _SYMBOLIC.match(a))]
        if len(words) >= 2:
            return words[0], words[1:]
    elif tool == "install":
        for i, a in enumerate(args):
            if a in ("-m", "--mode") and i + 1 < len(args):
                return args[i + 1], [w for w in args[i + 2 :] if not w.startswith("-")]
            if a.startswith("--mode="):
                return a.split("=", 1)[1], [w for w in args[i + 1 :] if not w.startswith("-")]
    return None


def _made_dirs(ctx: DockerfileContext) -> set[str]:
    """Paths created with mkdir: setgid/sticky on a directory is about inheritance, not
    privilege (postgres' ``chmod 3777 /var/run/postgresql``)."""
    out: set[str] = set()
    for _cmd, inner, _user in final_commands(ctx):
        if basename(inner.argv[0]) == "mkdir":
            out.update(a.rstrip("/") for a in inner.argv[1:] if not a.startswith("-"))
    return out


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    dirs = _made_dirs(ctx)
    for _cmd, inner, _user in final_commands(ctx):
        found = _mode_and_paths(inner)
        if found is None:
            continue
        mode, paths = found
        paths = [p for p in paths if p.rstrip("/") not in dirs]
        bits = special_bits(mode)
        if bits and paths:
            yield RULE.finding(
                f"{bits} bit set on {', '.join(paths) or '?'} ({basename(inner.argv[0])} {mode})",
                evidence(ctx, inner.line, " ".join(inner.argv)),
                data={"mode": mode, "paths": paths, "bits": bits},
            )
    for _stage, ins, scope in final_copies(ctx):
        flag = ins.flag("chmod")
        if flag is None:
            continue
        mode = ctx.word(flag, scope)
        bits = special_bits(mode)
        if bits:
            dest = ins.value[-1] if ins.value else "?"
            yield RULE.finding(
                f"{bits} bit set on {dest} ({ins.cmd} --chmod={mode})",
                ins_evidence(ctx, ins),
                data={"mode": mode, "paths": [dest], "bits": bits},
            )


RULE = Rule(
    id="UR203",
    kind="dockerfile",
    category=Category.SETUID_BINARY,
    severity=Severity.WARNING,
    title="setuid/setgid bit set in the Dockerfile",
    rationale=(
        "A setuid-root binary lets any user in the container become root; a container that "
        "relies on one fails under allowPrivilegeEscalation=false (no_new_privs), which the "
        "'restricted' Pod Security profile requires."
    ),
    fix="Drop the setuid bit ('chmod u-s,g-s FILE') and give the process what it needs "
    "directly: file ownership/group 0 permissions, or a narrow capability on a non-root port.",
    docs="Symbolic ('u+s', 'g+s', '+s', 'ug+s') and numeric ('4755', '2755', '6755', '04755') "
    "modes, in chmod, install -m and COPY/ADD --chmod.",
    check=check,
)
