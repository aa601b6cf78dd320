"""Turn ``FILE|DIR|-`` arguments and ``--from-cmdline`` strings into parsed Sources.

A file is a compose file when a top-level ``services:`` key exists and no top-level ``kind:``
does; everything else is read as Kubernetes YAML. Folders are walked for ``*.yaml``, ``*.yml``
and ``*.json`` (sorted, hidden entries skipped, at most :data:`MAX_FILES`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from unroot.errors import InputError, UsageError
from unroot.workload.load import Source, decode, load_text, read_bounded

MAX_FILES = 10_000
_SUFFIXES = (".yaml", ".yml", ".json")
_SERVICES = re.compile(r"^services:", re.MULTILINE)
_KIND = re.compile(r"^kind:", re.MULTILINE)


def looks_like_compose(text: str) -> bool:
    return bool(_SERVICES.search(text)) and not _KIND.search(text)


def load_source(text: str, file: str) -> Source:
    if looks_like_compose(text):
        from unroot.workload.compose import load_compose

        return load_compose(text, file)
    return load_text(text, file)


def _files(arg: str) -> list[Path]:
    path = Path(arg)
    if path.is_dir():
        found: list[Path] = []
        for p in sorted(path.rglob("*")):
            rel = p.relative_to(path)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if p.is_file() and p.suffix in _SUFFIXES:
                found.append(p)
                if len(found) > MAX_FILES:
                    raise InputError(f"{arg}: more than {MAX_FILES} manifest files")
        return found
    if path.exists():  # regular files, and pipes such as /dev/stdin or <(helm template ...)
        return [path]
    raise UsageError(f"{arg}: no such file or directory")


def read_sources(
    args: Iterable[str], cmdlines: Iterable[str] = (), stdin: BinaryIO | None = None
) -> list[Source]:
    """Parse every input; errors are InputError/UsageError with the file name."""
    out: list[Source] = []
    for arg in args:
        if arg == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            out.append(load_source(decode(read_bounded(stream, "<stdin>"), "<stdin>"), "<stdin>"))
            continue
        for file in _files(arg):
            try:
                with file.open("rb") as fh:
                    data = read_bounded(fh, str(file))
            except OSError as exc:
                raise InputError(f"{file}: cannot read: {exc.strerror}") from None
            out.append(load_source(decode(data, str(file)), str(file)))
    for command in cmdlines:
        from unroot.workload.cmdline import load_cmdline

        out.append(load_cmdline(command))
    return out
