"""Open files for reading as regular files only, under a size cap.

A FIFO blocks ``open`` until a writer comes and ``read`` until it writes; a device can be
endless (``/dev/zero``) or act when opened (a tape, a watchdog). So a path is checked with
``stat`` before it is opened, opened non-blocking, and checked again with ``fstat`` on the
descriptor (the same inode, still a regular file) before a byte is read.

Only what a user names on the command line may also be a pipe: ``/dev/stdin`` or a
``<(helm template ...)`` process substitution are read like standard input, bounded by the
same cap (:func:`open_named`).
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from unroot.errors import InputError

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


def kind_of(mode: int) -> str:
    """A file type in words, for messages ("a FIFO", "a directory"...)."""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symlink"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def _open_checked(path: str, label: str, follow: bool, allow: tuple[int, ...]) -> BinaryIO:
    """Open ``path`` if its type (``stat.S_IFMT``) is in ``allow``; the type is checked
    before opening and again on the open descriptor."""
    try:
        before = os.stat(path, follow_symlinks=follow)
    except OSError as exc:
        raise InputError(f"{label}: cannot read: {exc.strerror}") from None
    if stat.S_IFMT(before.st_mode) not in allow:
        raise InputError(f"{label} is {kind_of(before.st_mode)}, not a regular file")
    try:
        fd = os.open(path, _FLAGS | (0 if follow else os.O_NOFOLLOW))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{label} is a symlink") from None
        raise InputError(f"{label}: cannot read: {exc.strerror}") from None
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino) or stat.S_IFMT(
            now.st_mode
        ) not in allow:
            raise InputError(f"{label} changed while it was opened")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_regular(path: str, label: str | None = None, *, follow: bool = True) -> BinaryIO:
    """Open a regular file for reading (``follow=False``: the last component must not be a
    symlink). Anything else is an :class:`InputError` naming what it is."""
    return _open_checked(path, label or path, follow, (stat.S_IFREG,))


def open_named(path: str, label: str | None = None) -> BinaryIO:
    """Open a file a user named on the command line: a regular file, or a pipe or character
    device they redirected (``/dev/stdin``, ``<(cmd)``), read like standard input."""
    return _open_checked(path, label or path, True, (stat.S_IFREG, stat.S_IFIFO, stat.S_IFCHR))


def read_capped(stream: BinaryIO, cap: int, label: str) -> bytes:
    """At most ``cap`` bytes of ``stream``; more is an InputError (read no further)."""
    try:
        data = stream.read(cap + 1)
    except OSError as exc:
        raise InputError(f"{label}: cannot read: {exc.strerror}") from None
    if len(data) > cap:
        raise InputError(f"{label}: larger than {_size(cap)}; refusing")
    return data


def read_regular(path: str, cap: int, label: str | None = None, *, follow: bool = True) -> bytes:
    """The content of a regular file of at most ``cap`` bytes."""
    name = label or path
    with open_regular(path, name, follow=follow) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > cap:
            raise InputError(f"{name}: larger than {_size(cap)} ({size} bytes); refusing")
        return read_capped(fh, cap, name)


def _size(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} bytes"
