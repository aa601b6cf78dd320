"""Helpers for daemon tests: an in-memory file source and line lookup."""

from __future__ import annotations

from collections.abc import Sequence

from unroot.daemons.analyze import DaemonAnalysis, Hint, analyze_files
from unroot.daemons.model import DaemonConfig


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line containing ``needle``."""
    count = 0
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            count += 1
            if count == nth:
                return i
    raise AssertionError(needle)


def analyze(
    files: dict[str, str], hints: Sequence[Hint] = (), env: dict[str, str] | None = None
) -> DaemonAnalysis:
    return analyze_files(files.get, None, lambda: list(files), hints, env=env)


def only(files: dict[str, str], name: str, hints: Sequence[Hint] = ()) -> DaemonConfig:
    a = analyze(files, hints)
    cfg = a.get(name)
    assert cfg is not None, [d.daemon for d in a.daemons]
    return cfg


def ports(cfg: DaemonConfig) -> list[tuple[int, str, str, int]]:
    return [(x.port, x.proto, x.file, x.line) for x in cfg.listen]
