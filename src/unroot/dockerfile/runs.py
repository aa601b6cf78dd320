"""The shell commands of RUN instructions, parsed once, with original file lines.

Shell form is parsed from the file's own lines (not BuildKit's joined string) so each command
keeps its physical line: the ``RUN`` keyword and its flags are cut from the first line, and
comment or blank lines inside a continuation (which BuildKit drops) become a lone ``\\`` so
the shell joins across them exactly like BuildKit does. Exec form (``RUN ["sh", "-c", ...]``)
is parsed from its argv. A heredoc is the script itself when the command is empty or a shell
(``RUN <<EOF``, ``RUN bash <<EOF``); otherwise it is data for the program (``python3 <<EOF``).
Words are then expanded with the stage's ARG/ENV values (unknown variables kept literally).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from unroot.dockerfile.expand import expand
from unroot.dockerfile.model import Dockerfile, Instruction
from unroot.shell.command import Command

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})


@dataclass(frozen=True, slots=True)
class RunStep:
    """One RUN instruction of the final image, its commands, and who runs them."""

    stage: int
    instruction: Instruction
    commands: tuple[Command, ...]
    user: str
    """USER in effect for this RUN ("" = root or the base image's user)."""


def run_commands(
    dockerfile: Dockerfile, ins: Instruction, scope: Mapping[str, str]
) -> list[Command]:
    from unroot.shell.parse import parse_commands

    commands: list[Command]
    if ins.json:
        commands = parse_commands(shlex.join(ins.value), line_offset=ins.line - 1)
        commands = [c if c.line == ins.line else _at(c, ins.line) for c in commands]
    else:
        head = _shell_source(dockerfile, ins)
        if head is None:
            text = " ".join(ins.value)
            if ins.heredocs:
                text = text.split("\n", 1)[0]
            commands = [_at(c, ins.line) for c in parse_commands(text)]
        else:
            commands = parse_commands(head, line_offset=ins.line - 1)
        if ins.heredocs:
            commands = _with_heredocs(ins, commands)
    return [_expanded(c, scope, dockerfile.escape) for c in commands]


def _at(cmd: Command, line: int) -> Command:
    from dataclasses import replace

    return replace(cmd, line=line)


def _shell_source(dockerfile: Dockerfile, ins: Instruction) -> str | None:
    """The RUN's shell text over its original lines, or None when it cannot be aligned."""
    if dockerfile.escape != "\\" or ins.cmd != "RUN":
        return None
    last = ins.line if ins.heredocs else ins.end_line
    lines = dockerfile.lines[ins.line - 1 : last]
    if not lines:
        return None
    first = lines[0].lstrip()
    if first[:3].upper() != "RUN":
        return None
    first = first[3:].lstrip()
    for flag in ins.flags:
        if not first.startswith(flag):
            return None
        first = first[len(flag) :].lstrip()
    out = [first]
    for line in lines[1:]:
        stripped = line.strip()
        out.append("\\" if not stripped or stripped.startswith("#") else line)
    return "\n".join(out)


def _with_heredocs(ins: Instruction, commands: list[Command]) -> list[Command]:
    from unroot.shell.parse import parse_commands
    from unroot.shell.unwrap import program

    script_runs = not commands or all(program(c) in SHELLS and len(c.argv) <= 2 for c in commands)
    if not script_runs:
        return commands
    out: list[Command] = []
    line = ins.line + 1
    for doc in ins.heredocs:
        out.extend(parse_commands(doc.content, line_offset=line - 1))
        line += doc.content.count("\n") + 2
    return out


def _expanded(cmd: Command, scope: Mapping[str, str], escape: str) -> Command:
    if not scope or not any("$" in w for w in cmd.argv):
        return cmd
    return cmd.with_argv([expand(w, scope, keep_unknown=True).text for w in cmd.argv])
