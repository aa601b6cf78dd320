"""Shared helpers for Dockerfile rules: evidence, the commands and copies of the final image."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.dockerfile.model import Instruction, Stage
from unroot.findings import Evidence
from unroot.shell.command import Command
from unroot.shell.unwrap import unwrap


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


def final_copies(ctx: DockerfileContext) -> Iterator[tuple[Stage, Instruction, dict[str, str]]]:
    for stage, ins, scope in ctx.final_instructions():
        if ins.cmd in ("COPY", "ADD"):
            yield stage, ins, scope
