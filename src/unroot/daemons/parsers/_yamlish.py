"""The ``section:`` / ``  key: value`` format of Unbound and NSD, with their include globs."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.daemons.source import ConfigSource, logical_lines, open_config


def entries(
    src: ConfigSource, path: str, files: list[str], *, depth: int = 0
) -> Iterator[tuple[str, str, str, str, int]]:
    """(section, key, value, file, line) for every ``key: value``, includes followed in place.

    ``include:``/``include-toplevel:`` take a glob; a value is unquoted and cut at a comment.
    """
    text = open_config(src, path, files)
    if text is None or depth > 8:
        return
    section = ""
    for line, stmt in logical_lines(text):
        key, sep, value = stmt.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip().strip("\"'")
        if key in ("include", "include-toplevel"):
            for inc in src.glob(value):
                yield from entries(src, inc, files, depth=depth + 1)
            continue
        if not value:
            section = key
            continue
        yield section, key, value, path, line
