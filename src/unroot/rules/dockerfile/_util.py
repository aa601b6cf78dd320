"""Shared helpers for Dockerfile rules: evidence, package installs, commands of the final image."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.dockerfile.model import Instruction, Stage
from unroot.findings import Evidence
from unroot.shell.command import Command
from unroot.shell.unwrap import unwrap
from unroot.shell.words import basename

_INSTALL_VERBS = {
    "apt-get": {"install"},
    "apt": {"install"},
    "aptitude": {"install"},
    "apk": {"add"},
    "dnf": {"install"},
    "yum": {"install"},
    "microdnf": {"install"},
    "tdnf": {"install"},
    "zypper": {"install", "in"},
    "pacman": {"-S", "-Sy", "-Syu"},
}
_VALUE_OPTS = frozenset(
    {
        "-o",
        "-t",
        "--target-release",
        "--virtual",
        "-X",
        "--repository",
        "-x",
        "--exclude",
        "--setopt",
        "--enablerepo",
        "--disablerepo",
        "--repo",
        "--releasever",
        "--root",
        "-c",
    }
)


def evidence(ctx: DockerfileContext, line: int, value: str, detail: str | None = None) -> Evidence:
    return Evidence(file=ctx.path, line=line, value=_short(value), detail=detail)


def ins_evidence(ctx: DockerfileContext, ins: Instruction, detail: str | None = None) -> Evidence:
    return evidence(ctx, ins.line, ins.original.split("\n", 1)[0], detail)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def final_commands(ctx: DockerfileContext) -> Iterator[tuple[Command, Command, str]]:
    """(command as written, command after wrappers, USER in effect) for every RUN command of
    the final image."""
    cached = ctx.memo.get("final_commands")
    if cached is None:
        cached = tuple(
            (cmd, unwrap(cmd), step.user) for step in ctx.runs for cmd in step.commands if cmd.argv
        )
        ctx.memo["final_commands"] = cached
    yield from cached


def installed_packages(cmd: Command) -> list[str]:
    """Package names an install command adds (version pins and arch suffixes removed)."""
    if not cmd.argv:
        return []
    tool = basename(cmd.argv[0])
    verbs = _INSTALL_VERBS.get(tool)
    if verbs is None:
        return []
    args = list(cmd.argv[1:])
    i = 0
    verb_seen = False
    names: list[str] = []
    while i < len(args):
        word = args[i]
        if not verb_seen:
            if word in verbs:
                verb_seen = True
            elif word in _VALUE_OPTS:
                i += 1
            elif not word.startswith("-"):
                return []
            i += 1
            continue
        if word in _VALUE_OPTS:
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        names.append(_package_name(word))
        i += 1
    return [n for n in names if n]


def _package_name(word: str) -> str:
    for sep in ("=", "<", ">", "~"):
        word = word.split(sep, 1)[0]
    return word.split(":", 1)[0].strip().lower()


def final_copies(ctx: DockerfileContext) -> Iterator[tuple[Stage, Instruction, dict[str, str]]]:
    for stage, ins, scope in ctx.final_instructions():
        if ins.cmd in ("COPY", "ADD"):
            yield stage, ins, scope
