"""Read a Dockerfile safely and parse it with BuildKit's own parser.

Parser choice: the ``dockerfile`` package wraps BuildKit's Go parser
(``moby/buildkit/frontend/dockerfile/parser``), so heredocs (``RUN <<EOF``, ``COPY <<EOF``),
parser directives (``# syntax=``, ``# escape=``), line continuations with either escape
character, comments inside continuations, ``ONBUILD`` triggers and JSON (exec) versus shell
form are understood exactly as ``docker build``/``podman build`` (buildah shares this parser)
understand them, including its errors ("unterminated heredoc"). ``dockerfile-parse`` was
evaluated too: it is pure Python and keeps comments, but it splits heredoc bodies into bogus
instructions (each body line becomes an "instruction"), which would make every heredoc-based
Dockerfile wrong. The Go parser is also fast (microseconds per file) and imports in ~5 ms.

Hostile input is rejected before the parser sees it: files above :data:`MAX_BYTES`, lines
above :data:`MAX_LINE` characters, NUL bytes and invalid UTF-8 (binary files) each raise
:class:`~unroot.errors.InputError` with one line.
"""

from __future__ import annotations

import os
import re
from typing import Any

from unroot.dockerfile.model import Heredoc, Instruction
from unroot.errors import InputError
from unroot.files.jail import Jail
from unroot.files.read import read_regular

MAX_BYTES = 10 * 1024 * 1024
MAX_LINE = 65_535
"""BuildKit's own limit on one physical line."""
MAX_LINES = 20_000
MAX_CONTINUED = 2_000
"""Physical lines one instruction may span: BuildKit's parser joins continuations in
quadratic time (20 000 continued lines take seconds), and real files stay far below."""
MAX_INSTRUCTIONS = 5_000

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")


def read_text(path: str, context: str | None = None) -> str:
    """The file's text, or InputError for anything that is not a sane text file: a regular
    file (never a FIFO or a device) under :data:`MAX_BYTES`. With ``context`` (the Dockerfile
    was found in that folder, not named by the user) it must also resolve inside it: a
    ``Dockerfile`` linking to ``/etc/shadow`` is refused, not read."""
    if context is not None:
        return decode(Jail(context).read(path, MAX_BYTES, path), path)
    return decode(read_regular(path, MAX_BYTES), path)


def decode(data: bytes, name: str) -> str:
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: file too large (limit {MAX_BYTES} bytes)")
    if b"\x00" in data:
        raise InputError(f"{name}: binary file (contains NUL bytes), not a Dockerfile")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}: binary file (not UTF-8 text), not a Dockerfile") from None
    return text.removeprefix("\ufeff")


def directives(lines: list[str]) -> dict[str, str]:
    """Parser directives at the top of the file (lower-case keys), as BuildKit reads them."""
    found: dict[str, str] = {}
    for line in lines:
        match = _DIRECTIVE.match(line.strip())
        if not match:
            break
        key = match.group(1).lower()
        if key in found:
            break
        found[key] = match.group(2)
    return found


def _goparser() -> Any:
    """Import BuildKit's parser with the Go runtime limited to one thread.

    The parser is single-threaded; with the default GOMAXPROCS the runtime's idle threads
    compete with Python for the CPU (measured: ~2x slower per file on a loaded 2-core
    machine). The variable is read once, when the runtime starts at import, and restored
    right after, so processes unroot starts later (podman, skopeo) keep their own setting.
    """
    import sys

    if "dockerfile" in sys.modules:
        return sys.modules["dockerfile"]
    previous = os.environ.get("GOMAXPROCS")
    os.environ["GOMAXPROCS"] = previous or "1"
    try:
        import dockerfile
    finally:
        if previous is None:
            del os.environ["GOMAXPROCS"]
    return dockerfile


def parse_instructions(text: str, name: str) -> list[Instruction]:
    """Instructions of ``text`` with 1-based original line numbers."""
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        raise InputError(f"{name}: too many lines ({len(lines)}, limit {MAX_LINES})")
    escape = directives(lines).get("escape", "\\")
    run = 0
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE:
            raise InputError(
                f"{name}:{number}: line too long ({len(line)} characters, limit {MAX_LINE})"
            )
        run = run + 1 if line.rstrip().endswith(escape) else 0
        if run > MAX_CONTINUED:
            raise InputError(
                f"{name}:{number}: one instruction continues over more than {MAX_CONTINUED} lines"
            )
    goparser = _goparser()

    try:
        commands = goparser.parse_string(text)
    except goparser.GoParseError as exc:
        message = " ".join(str(exc).split()) or "parse error"
        if "no instructions" in message:
            raise InputError(f"{name}: empty Dockerfile (no instructions)") from None
        # the parser's message may quote the line; the input is not echoed back
        kind = message.partition(":")[0][:60]
        raise InputError(f"{name}: not a Dockerfile BuildKit can parse ({kind})") from None
    if len(commands) > MAX_INSTRUCTIONS:
        raise InputError(
            f"{name}: too many instructions ({len(commands)}, limit {MAX_INSTRUCTIONS})"
        )
    out: list[Instruction] = []
    for command in commands:
        if not command.cmd:
            raise InputError(f"{name}:{command.start_line}: dangling line continuation")
        out.append(
            Instruction(
                cmd=command.cmd.upper(),
                line=command.start_line,
                end_line=command.end_line,
                original=command.original or "",
                value=tuple(command.value),
                flags=tuple(command.flags),
                json=bool(command.json),
                heredocs=tuple(Heredoc(h.name, h.content) for h in command.heredocs),
                sub_cmd=command.sub_cmd.upper() if command.sub_cmd else None,
            )
        )
    return out
