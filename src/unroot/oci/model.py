"""The image model that rules read: config, layers, and the merged file tree.

Built by ``unroot.oci`` readers from a single streaming pass over the layers; rules only read
it. Paths are normalised: relative to the root, no leading ``/``, no ``.``/``..`` parts
("etc/passwd"). The root directory itself is "".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

_LONGEST = 4096
"""Linux ``PATH_MAX``: no tree path reaches it (the readers refuse longer layer entries),
and the kernel resolves no longer path."""

S_ISUID = 0o4000
S_ISGID = 0o2000
S_ISVTX = 0o1000


class EntryType(StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHAR = "char"
    BLOCK = "block"
    FIFO = "fifo"


@dataclass(slots=True)
class FileEntry:
    """One path of the merged tree, as the last layer that touched it left it."""

    path: str
    type: EntryType
    mode: int
    """Permission bits including setuid/setgid/sticky (``mode & 0o7777``)."""
    uid: int
    gid: int
    size: int = 0
    linkname: str = ""
    """Symlink target as stored, or the hardlink's target path (normalised)."""
    xattrs: dict[str, bytes] = field(default_factory=dict)
    layer: str = ""
    """Digest of the layer (compressed blob digest) this entry came from."""
    layer_index: int = 0

    @property
    def is_dir(self) -> bool:
        return self.type is EntryType.DIR

    @property
    def setuid(self) -> bool:
        return self.type in (EntryType.FILE, EntryType.HARDLINK) and bool(self.mode & S_ISUID)

    @property
    def setgid(self) -> bool:
        return self.type in (EntryType.FILE, EntryType.HARDLINK) and bool(self.mode & S_ISGID)


@dataclass(slots=True)
class DeviceEntry(FileEntry):
    """A character or block device node (``/dev/null`` in an imported rootfs), with its
    numbers. A subclass, so the many entries that are not devices pay nothing for them."""

    devmajor: int = 0
    devminor: int = 0


class FileTree:
    """The merged file system of an image, plus the small files captured while streaming.

    Content is kept only for files the reader was asked to capture (passwd, group, scripts,
    daemon configs), each capped in size; everything else is metadata only.
    """

    def __init__(self) -> None:
        self._entries: dict[str, FileEntry] = {}
        self._content: dict[str, bytes] = {}

    # -- building (used by readers) -------------------------------------------------
    @classmethod
    def adopt(cls, entries: dict[str, FileEntry], content: dict[str, bytes]) -> FileTree:
        """A tree over dicts a reader built in one pass (taken over, not copied: a big
        image's tree would otherwise exist twice at its peak). ``content`` keys must be
        paths of ``entries``."""
        tree = cls()
        tree._entries = entries
        tree._content = content
        return tree

    def put(self, entry: FileEntry, content: bytes | None = None) -> None:
        self._entries[entry.path] = entry
        if content is not None:
            self._content[entry.path] = content
        else:
            self._content.pop(entry.path, None)

    def remove(self, path: str) -> None:
        """Delete ``path`` and everything below it (a whiteout)."""
        self._entries.pop(path, None)
        self._content.pop(path, None)
        self.clear_below(path)

    def clear_below(self, path: str) -> None:
        """Delete everything below directory ``path`` but keep it (an opaque whiteout)."""
        prefix = path + "/" if path else ""
        doomed = [p for p in self._entries if p.startswith(prefix) and p != path]
        for p in doomed:
            del self._entries[p]
            self._content.pop(p, None)

    # -- reading (used by rules) ----------------------------------------------------
    def get(self, path: str) -> FileEntry | None:
        return self._entries.get(normalise(path))

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and normalise(path) in self._entries

    def __iter__(self) -> Iterator[FileEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def resolve(self, path: str, max_links: int = 40) -> FileEntry | None:
        """Follow symlinks (inside the tree only) and hardlinks to the final entry.

        Like the kernel, a path of ``PATH_MAX`` bytes or more resolves to nothing, and each
        prefix is built by appending one component to the last, so a hostile path (a
        multi-megabyte WorkingDir) costs no work and a long one costs no rejoin of the
        prefix for every component. ``..`` in a link target is applied lexically.
        """
        if len(path) >= _LONGEST:
            return None
        entries = self._entries
        symlink = EntryType.SYMLINK
        current = normalise(path)
        for _ in range(max_links):
            parts = current.split("/") if current else []
            prefix = ""
            restarted = False
            for i, part in enumerate(parts):
                candidate = prefix + "/" + part if prefix else part
                if len(candidate) >= _LONGEST:
                    return None  # no entry can be this long
                entry = entries.get(candidate)
                if entry is not None and entry.type is symlink:
                    base = "" if entry.linkname.startswith("/") else prefix
                    rest = "/".join(parts[i + 1 :])
                    current = normalise(join(join(base, entry.linkname), rest))
                    restarted = True
                    break
                prefix = candidate
            if not restarted:
                entry = entries.get(current)
                if entry is not None and entry.type is EntryType.HARDLINK:
                    current = entry.linkname
                    continue
                return entry
        return None

    def read(self, path: str) -> bytes | None:
        """Captured content of ``path`` (symlinks followed), or None if not captured."""
        entry = self.resolve(path)
        if entry is None:
            return None
        return self._content.get(entry.path)

    def read_text(self, path: str) -> str | None:
        data = self.read(path)
        return None if data is None else data.decode("utf-8", "replace")

    def captured_paths(self) -> list[str]:
        return sorted(self._content)


def join(a: str, b: str) -> str:
    if b.startswith("/"):
        return b
    if not a:
        return b
    return a.rstrip("/") + "/" + b


def normalise(path: str) -> str:
    """Lexically normalise a path inside the image; ``..`` never climbs above the root."""
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return "/".join(out)


@dataclass(slots=True)
class ImageConfig:
    """The parts of an OCI image config that decide how the container starts."""

    user: str = ""
    exposed_ports: list[str] = field(default_factory=list)
    """As written: "80/tcp", "53/udp"."""
    env: list[str] = field(default_factory=list)
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    working_dir: str = ""
    volumes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    stop_signal: str = ""
    os: str = ""
    architecture: str = ""
    variant: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    """The whole config JSON, for writers that must preserve unknown fields."""

    def env_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.env:
            key, _, value = item.partition("=")
            out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class LayerInfo:
    digest: str
    media_type: str
    size: int
    diff_id: str = ""


@dataclass(slots=True)
class Image:
    """An image as scanned: where it came from, its config, its layers and merged tree."""

    ref: str
    config: ImageConfig
    layers: list[LayerInfo]
    tree: FileTree
    manifest_digest: str = ""
    config_digest: str = ""
    platform: str = ""
