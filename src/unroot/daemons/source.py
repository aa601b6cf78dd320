"""Reading config files through the caller's file source: includes, globs and bounds."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping

MAX_FILES = 64
"""Include loops and huge conf.d directories stop here."""


class ConfigSource:
    """The files a parser may read, with glob expansion over a list of known paths.

    ``read_file`` returns None for paths whose content is unknown. ``list_paths`` (optional)
    returns every absolute path known to exist; without it, globs in includes expand to nothing.
    ``exists`` (optional) says whether a path exists at all, content captured or not (build
    flavours are told apart by the directories a package installs). ``created`` maps paths the
    entrypoint makes at start to the file they are copied from (None: made another way).
    """

    def __init__(
        self,
        read_file: Callable[[str], str | None],
        list_paths: Callable[[], Iterable[str]] | None = None,
        env: dict[str, str] | None = None,
        *,
        exists: Callable[[str], bool | None] | None = None,
        created: Mapping[str, str | None] | None = None,
    ) -> None:
        self.env = dict(env or {})
        """The container's environment (Apache reads ``${APACHE_RUN_USER}`` from it)."""
        self._read = read_file
        self._list = list_paths
        self._exists = exists
        self.created = {posixpath.normpath(k): v for k, v in (created or {}).items()}
        self._known: list[str] | None = None
        self.read_count = 0

    def read(self, path: str) -> str | None:
        if self.read_count >= MAX_FILES * 4:
            return None
        self.read_count += 1
        path = posixpath.normpath(path)
        try:
            text = self._read(path)
            if text is None and self.created.get(path):
                text = self._read(posixpath.normpath(str(self.created[path])))
            return text
        except (OSError, ValueError):
            return None

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists in the image (or is known to the listing)."""
        path = posixpath.normpath(path)
        if self._exists is not None:
            return bool(self._exists(path))
        return path in set(self.known())

    def made_at_start(self, path: str) -> bool:
        """True when the entrypoint makes ``path`` (or a directory above it) at start, so the
        file belongs to the UID the container runs as."""
        path = posixpath.normpath(path)
        return any(path == c or path.startswith(c.rstrip("/") + "/") for c in self.created)

    def known(self) -> list[str]:
        if self._known is None:
            self._known = sorted(self._list()) if self._list is not None else []
        return self._known

    def glob(self, pattern: str) -> list[str]:
        """Paths matching ``pattern`` (sorted, like the daemons' own include order)."""
        pattern = posixpath.normpath(pattern)
        if not any(c in pattern for c in "*?["):
            return [pattern]
        head = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
        out = [
            p
            for p in self.known()
            if p.startswith(head)
            and p.count("/") == pattern.count("/")
            and fnmatch.fnmatchcase(p, pattern)
        ]
        if not out:
            # the reader may know content without a listing (tests, build contexts)
            return []
        return out

    def list_dir(self, directory: str) -> list[str]:
        d = posixpath.normpath(directory).rstrip("/") + "/"
        return [p for p in self.known() if p.startswith(d) and "/" not in p[len(d) :]]


def open_config(src: ConfigSource, path: str, files: list[str]) -> str | None:
    """Text of ``path`` for a parser, or None when it was read already, is unknown, or the
    include budget (MAX_FILES) is spent; records the path in ``files`` (the daemon's list).

    Every parser starts a file this way, so include loops and huge conf.d folders stop in one
    place.
    """
    if path in files or len(files) >= MAX_FILES:
        return None
    text = src.read(path)
    if text is None:
        return None
    files.append(path)
    return text


def logical_lines(
    text: str, *, comment: str = "#", continuation: bool = False
) -> Iterator[tuple[int, str]]:
    """(1-based line, stripped text) without comments and blank lines.

    Comments start at ``comment`` at the beginning of a line or after whitespace; with
    ``continuation``, a trailing backslash joins the next line (Apache).
    """
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        while continuation and line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i]
        i += 1
        stripped = strip_comment(line, comment).strip()
        if stripped:
            yield start + 1, stripped


def strip_comment(line: str, comment: str = "#") -> str:
    """Cut a comment that is not inside quotes."""
    quote = ""
    for j, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
        elif ch in comment and (j == 0 or line[j - 1] in " \t"):
            return line[:j]
    return line


def resolve(base_dir: str, path: str) -> str:
    path = path.strip().strip("'\"")
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(base_dir, path))
