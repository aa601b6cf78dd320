"""Turn ``FILE|DIR|-`` arguments and ``--from-cmdline`` strings into parsed Sources.

A file is a compose file when a top-level ``services:`` key exists and no top-level ``kind:``
does; everything else is read as Kubernetes YAML. Folders are walked for ``*.yaml``, ``*.yml``
and ``*.json`` (sorted, hidden entries skipped, at most :data:`MAX_FILES`); a folder is not
ours to leave, so only regular files whose resolved path stays inside it are read (a link to
a host file or a FIFO there is skipped with a warning). A file named on the command line may
also be a pipe (``/dev/stdin``, ``<(helm template ...)``), read like standard input. All
inputs of a run share one :class:`~unroot.workload.load.Budget` (bytes and YAML values).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterable
from typing import BinaryIO

from unroot.errors import InputError, UsageError
from unroot.files.jail import Jail
from unroot.files.read import open_named
from unroot.files.write import Snapshot
from unroot.workload.load import (
    MAX_BYTES,
    Source,
    decode,
    load_text,
    read_bounded,
    stream_budget,
)

MAX_FILES = 10_000
MAX_RUN_BYTES = 16 * 1024 * 1024
"""Most input bytes of one run, all files and stdin together (a folder of large manifests
must not add up to more than one large file)."""
MAX_DOCUMENTS = 100_000
"""Most YAML documents in one run, all inputs together (a rendered Helm chart has hundreds)."""
_DOCUMENT_MARK = re.compile(r"^---", re.MULTILINE)
_SUFFIXES = (".yaml", ".yml", ".json")
_SERVICES = re.compile(r"^services:", re.MULTILINE)
_KIND = re.compile(r"^kind:", re.MULTILINE)


def looks_like_compose(text: str) -> bool:
    return bool(_SERVICES.search(text)) and not _KIND.search(text)


class Budget:
    """What the inputs of one run may still cost together: bytes read, documents, and YAML
    values built. All inputs share the value allowance of one stream holding them all
    (:func:`~unroot.workload.load.stream_budget` of their total size), so many small bombs
    in many files add up as they would in one."""

    def __init__(self) -> None:
        self.bytes = MAX_RUN_BYTES
        self.documents = MAX_DOCUMENTS
        self.text_chars = 0
        self.values_spent = 0

    def stream(self, text: str, file: str) -> list[int]:
        """The value budget for parsing ``text``; hand it back through :meth:`spent`."""
        for _ in _DOCUMENT_MARK.finditer(text):  # counted without a list of matches
            self.documents -= 1
            if self.documents >= 0:
                continue
            raise InputError(
                f"{file}: the inputs of this run hold more than {MAX_DOCUMENTS} YAML "
                "documents; check them in smaller runs"
            )
        self.text_chars += len(text)
        return [stream_budget_of(self.text_chars) - self.values_spent]

    def spent(self, stream: list[int], given: int) -> None:
        self.values_spent += given - stream[0]

    def take_bytes(self, size: int, file: str) -> None:
        self.bytes -= size
        if self.bytes < 0:
            raise InputError(
                f"{file}: the inputs of this run are larger than {MAX_RUN_BYTES >> 20} MiB "
                "together; check them in smaller runs"
            )


def stream_budget_of(chars: int) -> int:
    """The value allowance of a stream of ``chars`` characters (as load_text gives one)."""
    return stream_budget("")[0] + chars // 2


def load_source(text: str, file: str, budget: Budget | None = None) -> Source:
    stream = budget.stream(text, file) if budget is not None else None
    given = stream[0] if stream is not None else 0
    if looks_like_compose(text):
        from unroot.workload.compose import load_compose

        source = load_compose(text, file, stream)
    else:
        source = load_text(text, file, stream)
    if budget is not None and stream is not None:
        budget.spent(stream, given)
    return source


def _folder_files(jail: Jail, arg: str, warnings: list[str]) -> list[tuple[str, str]]:
    """(name to show, path to open) of the manifest files in a folder: regular files inside
    it, hidden entries skipped."""
    found: list[tuple[str, str]] = []
    for path in jail.walk(".", MAX_FILES * 10):
        rel = os.path.relpath(path, jail.root)
        if any(part.startswith(".") for part in rel.split(os.sep)):
            continue
        if not path.endswith(_SUFFIXES):
            continue
        shown = os.path.join(arg, rel)
        real = jail.resolve(path)
        if real is None:
            warnings.append(f"{shown}: skipped, a symlink that leads out of {arg}")
            continue
        try:
            mode = os.stat(real).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            if not stat.S_ISDIR(mode):
                warnings.append(f"{shown}: skipped, not a regular file")
            continue
        found.append((shown, real))
        if len(found) > MAX_FILES:
            raise InputError(f"{arg}: more than {MAX_FILES} manifest files")
    return found


def _read_file(
    path: str, budget: Budget, jail: Jail | None = None, shown: str | None = None
) -> tuple[bytes, Snapshot | None]:
    """The bytes of one input and, for a regular file, its snapshot."""
    label = shown or path
    fh: BinaryIO = jail.open(path, label) if jail is not None else open_named(path)
    with fh:
        st = os.fstat(fh.fileno())
        if stat.S_ISREG(st.st_mode):
            budget.take_bytes(min(st.st_size, MAX_BYTES + 1), label)
        data = read_bounded(fh, label)
        if not stat.S_ISREG(st.st_mode):
            budget.take_bytes(len(data), label)
    return data, Snapshot.of(st, data) if stat.S_ISREG(st.st_mode) else None


def read_sources(
    args: Iterable[str], cmdlines: Iterable[str] = (), stdin: BinaryIO | None = None
) -> list[Source]:
    """Parse every input; errors are InputError/UsageError with the file name."""
    out: list[Source] = []
    budget = Budget()
    for arg in args:
        if arg == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = read_bounded(stream, "<stdin>")
            budget.take_bytes(len(data), "<stdin>")
            out.append(load_source(decode(data, "<stdin>"), "<stdin>", budget))
            continue
        if os.path.isdir(arg):
            warnings: list[str] = []
            jail = Jail(arg)
            for file, real in _folder_files(jail, arg, warnings):
                data, snapshot = _read_file(real, budget, jail, file)
                source = load_source(decode(data, file), file, budget)
                source.snapshot = snapshot
                out.append(source)
            if warnings:
                if not out:
                    out.append(Source(file=arg, text="", format="objects"))
                out[-1].warnings.extend(warnings)
            continue
        if not os.path.lexists(arg):
            raise UsageError(f"{arg}: no such file or directory")
        data, snapshot = _read_file(arg, budget, None)
        source = load_source(decode(data, arg), arg, budget)
        source.snapshot = snapshot
        out.append(source)
    for command in cmdlines:
        from unroot.workload.cmdline import load_cmdline

        out.append(load_cmdline(command))
    return out
