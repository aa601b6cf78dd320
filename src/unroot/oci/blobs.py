"""Where the files of an image layout or archive live: a directory, or a tar read in place.

Readers ask a :class:`Source` for named files (``index.json``, ``blobs/sha256/...``,
``manifest.json``); the same layout code then serves ``oci:DIR`` and ``oci-archive:FILE``.
A tar source never extracts: it indexes the outer archive's members once with
:mod:`tarfile` (a handful of members, so its per-entry cost does not matter) and reads a
member by seeking to its data offset.

Only regular files are read: every file is opened non-blocking (so a FIFO cannot stall the
open) and checked with ``fstat`` before a byte is read, so a FIFO, a device or a socket
planted in a layout, or given as an archive, is an error instead of a hang or an endless
read. A layout file may be a symlink only to a file inside the layout.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tarfile
from typing import BinaryIO, Protocol

from unroot.errors import InputError
from unroot.oci.model import normalise

MAX_JSON = 4 * 1024 * 1024
"""Largest index, manifest, config or docker manifest.json accepted."""
MAX_MEMBERS = 65536
"""Most members an oci-archive or docker-archive may have (real ones have a few per layer;
indexing costs ~20 µs per member)."""
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)


def open_regular(path: str, label: str) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (no FIFO, device, socket or
    directory; a final symlink is refused, the caller resolves links it allows)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the last component is a symlink
            raise InputError(f"{label} is a symlink") from None
        raise InputError(f"cannot read {label}: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{label} is {_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "not a plain file"


_DIGEST = re.compile(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")


def check_digest(digest: object, what: str) -> str:
    """A digest string safe to turn into a blob path (no traversal, known algorithm)."""
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise InputError(f"{what} has an invalid digest {str(digest)[:80]!r}")
    return digest


def blob_path(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    return f"blobs/{algo}/{hexpart}"


class Source(Protocol):
    """Named files of a layout or archive."""

    label: str

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int: ...

    def open(self, name: str) -> tuple[BinaryIO, int]:
        """A binary stream positioned at the file's start, and how many bytes belong to it."""
        ...

    def close(self) -> None: ...


def read_small(source: Source, name: str, what: str, cap: int = MAX_JSON) -> bytes:
    """The whole file, refusing anything above ``cap`` bytes."""
    if not source.exists(name):
        raise InputError(f"{source.label}: {what} {name} is missing")
    size = source.size(name)
    if size > cap:
        raise InputError(f"{source.label}: {what} {name} is {size} bytes (limit {cap})")
    stream, length = source.open(name)
    try:
        data = stream.read(length)
    finally:
        stream.close()
    if len(data) != length:
        raise InputError(f"{source.label}: {what} {name} is truncated")
    return data


def _clean(name: str) -> str:
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InputError(f"refusing path with '..': {name!r}")
    return "/".join(parts)


class DirSource:
    """Files under a directory (an OCI image layout).

    A file may be a symlink (some tools deduplicate blobs that way) as long as it resolves
    to a path inside the layout: a blob linked to ``/dev/zero``, a FIFO or a host file is
    refused before it is opened.
    """

    def __init__(self, root: str) -> None:
        if not os.path.isdir(root):
            raise InputError(f"{root}: not a directory")
        self.root = root
        self.label = root
        self._real = os.path.realpath(root)

    def _path(self, name: str) -> str:
        """The file's real path, which must stay inside the layout."""
        path = os.path.realpath(os.path.join(self._real, _clean(name)))
        if os.path.commonpath([path, self._real]) != self._real:
            raise InputError(f"{self.label}: {name} is a symlink that leaves the layout")
        return path

    def exists(self, name: str) -> bool:
        try:
            path = self._path(name)
        except InputError:
            return True  # present, but refused when read
        return os.path.lexists(path)

    def size(self, name: str) -> int:
        stream, size = self.open(name)
        stream.close()
        return size

    def open(self, name: str) -> tuple[BinaryIO, int]:
        stream = open_regular(self._path(name), f"{self.label}: {name}")
        return stream, os.fstat(stream.fileno()).st_size

    def close(self) -> None:
        pass


class _Window:
    """A read-only view of ``size`` bytes at ``offset`` of a shared file."""

    def __init__(self, fh: BinaryIO, offset: int, size: int) -> None:
        self._fh = fh
        self._pos = offset
        self._end = offset + size

    def read(self, n: int = -1) -> bytes:
        left = self._end - self._pos
        if left <= 0:
            return b""
        if n < 0 or n > left:
            n = left
        # pread, not seek+read: the file offset is shared with forked layer workers
        # (unroot.oci.layers), and pread never moves it.
        data = os.pread(self._fh.fileno(), n, self._pos)
        self._pos += len(data)
        return data

    def close(self) -> None:
        pass


class TarSource:
    """Files inside a tar archive (oci-archive, docker-archive), read in place."""

    def __init__(self, path: str) -> None:
        self.label = path
        # The archive itself was named by the user: a symlink to it is followed.
        self._fh: BinaryIO = open_regular(os.path.realpath(path), path)
        self._members: dict[str, tarfile.TarInfo] = {}
        try:
            with tarfile.open(fileobj=self._fh, mode="r:") as tf:
                for i, info in enumerate(tf):
                    if i >= MAX_MEMBERS:
                        raise InputError(f"{path}: archive has more than {MAX_MEMBERS} members")
                    try:
                        self._members[_clean(info.name)] = info
                    except InputError:
                        continue  # never looked up; a hostile name cannot be reached
        except tarfile.TarError as exc:
            self._fh.close()
            raise InputError(f"{path}: not a readable tar archive ({exc})") from None
        except InputError:
            self._fh.close()
            raise

    def _member(self, name: str) -> tarfile.TarInfo | None:
        key = _clean(name)
        for _ in range(16):
            info = self._members.get(key)
            if info is None:
                return None
            if info.isfile():
                return info
            if info.issym():
                base = key.rsplit("/", 1)[0] if "/" in key else ""
                target = info.linkname
                joined = target if target.startswith("/") or not base else f"{base}/{target}"
                key = normalise(joined)
            elif info.islnk():
                key = normalise(info.linkname)
            else:
                return None
        return None

    def exists(self, name: str) -> bool:
        return self._member(name) is not None

    def size(self, name: str) -> int:
        info = self._member(name)
        if info is None:
            raise InputError(f"{self.label}: {name} is missing")
        return info.size

    def open(self, name: str) -> tuple[BinaryIO, int]:
        info = self._member(name)
        if info is None:
            raise InputError(f"{self.label}: {name} is missing")
        window = _Window(self._fh, info.offset_data, info.size)
        return window, info.size  # type: ignore[return-value]

    def names(self) -> list[str]:
        return list(self._members)

    def close(self) -> None:
        self._fh.close()
