"""Write a report or rewrite an input file without harming anything else.

Every output unroot writes (``scan -o``, ``check --fix --write``, and the other verbs'
outputs) goes through :func:`write_output` or :func:`rewrite`. The rules:

- A regular file is replaced atomically: the new content is written to a temporary file in
  the same directory, given the old file's mode and owner, and renamed over it. A rename
  never lands on anything that is not a regular file.
- A character device, FIFO or socket (``/dev/null``, ``/dev/stdout``, ``>(cmd)``) is written
  directly, as a shell redirection would; a FIFO nobody reads is refused instead of waiting.
  Block devices, directories and kernel files under ``/proc`` and ``/sys`` are refused.
  :func:`rewrite` (an input rewritten in place) accepts regular files only.
- A symlink is followed to its target, which is replaced in the target's directory (the link
  stays a link); a dangling link is refused, and so is a link in a sticky world-writable
  directory (``/tmp``) owned by someone else, as the kernel's ``protected_symlinks`` does.
- A read-only file is replaced only with ``force``. A file with other hard links is replaced
  under this name only, and the caller is told that the other names keep the old content.
- :func:`rewrite` refuses a file that changed since it was read (its :class:`Snapshot`).

Every refusal and every OS error is a one-line :class:`~unroot.errors.UsageError`; a temporary
file is never left behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass

from unroot.errors import UsageError
from unroot.files.read import kind_of

_KERNEL_TREES = ("/proc", "/sys")
_WRITE_FLAGS = os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_MAX_LINKS = 40
"""Symlinks followed before giving up (the kernel's own limit)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What was read from a file, to tell whether it changed before it is rewritten."""

    dev: int
    ino: int
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, st: os.stat_result, data: bytes) -> Snapshot:
        """The snapshot of ``data`` read from a file whose ``fstat`` was ``st``."""
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, _digest(data))


def write_output(
    path: str, data: bytes, *, label: str = "--output", force: bool = False
) -> list[str]:
    """Write a report to ``path``; returns notes for the user (e.g. broken hard links)."""
    return _write(path, data, label=label, force=force, expect=None, special_ok=True)


def rewrite(
    path: str, data: bytes, expect: Snapshot, *, label: str = "--write", force: bool = False
) -> list[str]:
    """Replace the content of the regular file ``path``, read earlier as ``expect``."""
    return _write(path, data, label=label, force=force, expect=expect, special_ok=False)


def _write(
    path: str,
    data: bytes,
    *,
    label: str,
    force: bool,
    expect: Snapshot | None,
    special_ok: bool,
) -> list[str]:
    where = f"{label} {path}"
    try:
        target, st = _resolve(path, where)
        if st is None:
            if expect is not None:
                raise UsageError(f"{where}: removed since it was read; nothing written")
            _create(target, data, where)
            return []
        direct = _is_fd_link(target) or not stat.S_ISREG(st.st_mode)
        if direct and not special_ok:
            raise UsageError(
                f"{where} is {kind_of(st.st_mode)}, not a regular file; nothing written"
            )
        if not direct:
            if _in_kernel_tree(target):
                raise UsageError(f"{where}: refusing to write a kernel file under /proc or /sys")
            return _replace(target, st, data, where, force=force, expect=expect)
        if stat.S_ISBLK(st.st_mode) or stat.S_ISDIR(st.st_mode):
            raise UsageError(f"{where} is {kind_of(st.st_mode)}; nothing written")
        _write_direct(target, st, data, where)
        return []
    except OSError as exc:
        raise UsageError(f"{where}: {exc.strerror or exc}; nothing written") from None


def _resolve(path: str, where: str) -> tuple[str, os.stat_result | None]:
    """The file to write (symlinks followed under the rules above) and its ``stat``; None
    when it does not exist yet (its directory does). A descriptor link (``/dev/stdout``,
    ``/proc/self/fd/1``) is not followed: its ``stat`` is that of the open file."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        if _is_fd_link(current):
            return current, os.stat(current)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            st = None
        if st is None:
            parent = os.path.dirname(current)
            if not os.path.isdir(parent):
                raise UsageError(f"{where}: directory {parent} does not exist") from None
            real_parent = os.path.realpath(parent)
            if _in_kernel_tree(real_parent) or (
                _under(real_parent, "/dev") and not _under(real_parent, "/dev/shm")
            ):
                raise UsageError(f"{where}: refusing to create a file under {real_parent}")
            return os.path.join(real_parent, os.path.basename(current)), None
        if not stat.S_ISLNK(st.st_mode):
            return current, st
        _check_protected(current, st, where)
        target = os.readlink(current)
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
        if not os.path.lexists(current) and not _is_fd_link(current):
            raise UsageError(f"{where} is a symlink to {current}, which does not exist")
    raise UsageError(f"{where}: too many levels of symbolic links")


_FD_LINK = re.compile(r"/dev/(?:stdin|stdout|stderr|fd/\d+)|/proc/(?:self|thread-self|\d+)/fd/\d+")


def _is_fd_link(path: str) -> bool:
    """A link to an open descriptor: writing it reaches whatever the descriptor is."""
    return bool(_FD_LINK.fullmatch(path))


def _check_protected(link: str, st: os.stat_result, where: str) -> None:
    """Refuse a symlink the kernel would not follow under ``fs.protected_symlinks``: in a
    sticky world-writable directory, owned neither by us nor by the directory's owner."""
    parent = os.stat(os.path.dirname(link))
    sticky_public = parent.st_mode & stat.S_ISVTX and parent.st_mode & stat.S_IWOTH
    if sticky_public and st.st_uid not in (os.geteuid(), parent.st_uid):
        raise UsageError(
            f"{where} is a symlink in a shared sticky directory owned by uid {st.st_uid}; "
            "refusing to follow it"
        )


def _in_kernel_tree(path: str) -> bool:
    return any(_under(path, top) for top in _KERNEL_TREES)


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top + "/")


def _write_direct(path: str, st: os.stat_result, data: bytes, where: str) -> None:
    """Write straight into a device, a FIFO or the file behind a descriptor link, as a shell
    redirection does (appending, never renaming)."""
    try:
        fd = os.open(path, _WRITE_FLAGS | os.O_APPEND)
    except OSError as exc:
        if exc.errno == errno.ENXIO and stat.S_ISFIFO(st.st_mode):
            raise UsageError(f"{where}: nobody is reading this FIFO; nothing written") from None
        raise
    try:
        opened = os.fstat(fd)
        if stat.S_ISBLK(opened.st_mode) or stat.S_ISDIR(opened.st_mode):
            raise UsageError(f"{where} is {kind_of(opened.st_mode)}; nothing written")
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _create(path: str, data: bytes, where: str) -> None:
    """A new file, complete or absent: written aside, then linked into place (a file that
    appeared meanwhile is not replaced)."""
    umask = os.umask(0)
    os.umask(umask)
    tmp = _temp_beside(path, data, 0o666 & ~umask)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise UsageError(
                f"{where}: created by someone else meanwhile; nothing written"
            ) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            os.rename(tmp, path)  # a file system without hard links
    finally:
        _unlink_quietly(tmp)


def _replace(
    path: str,
    st: os.stat_result,
    data: bytes,
    where: str,
    *,
    force: bool,
    expect: Snapshot | None,
) -> list[str]:
    if expect is not None and not _unchanged(path, st, expect):
        raise UsageError(f"{where}: changed since it was read; nothing written (run again)")
    if not force and _read_only(path, st):
        raise UsageError(f"{where} is read-only; nothing written (--force replaces it)")
    notes: list[str] = []
    mode = stat.S_IMODE(st.st_mode)
    tmp = _temp_beside(path, data, None)
    try:
        try:
            if (st.st_uid, st.st_gid) != _owner(tmp):
                os.chown(tmp, st.st_uid, st.st_gid)
        except PermissionError:
            if not force:
                raise UsageError(
                    f"{where}: cannot keep its owner {st.st_uid}:{st.st_gid}; nothing written "
                    "(--force replaces it with a file you own)"
                ) from None
            notes.append(f"{path}: now owned by uid {os.geteuid()} (was {st.st_uid})")
        os.chmod(tmp, mode)  # after chown, which clears setuid/setgid bits
        if st.st_nlink > 1:
            notes.append(
                f"{path} had {st.st_nlink - 1} other hard link(s); they keep the old content"
            )
        now = os.lstat(path)
        if _fingerprint(now) != _fingerprint(st):
            raise UsageError(f"{where}: changed while it was being written; nothing written")
        os.rename(tmp, path)
    finally:
        _unlink_quietly(tmp)
    return notes


def _unchanged(path: str, st: os.stat_result, expect: Snapshot) -> bool:
    if (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) != (
        expect.dev,
        expect.ino,
        expect.size,
        expect.mtime_ns,
    ):
        return False
    try:
        with open(path, "rb") as fh:
            return _digest(fh.read(expect.size + 1)) == expect.sha256
    except OSError:
        return False


def _read_only(path: str, st: os.stat_result) -> bool:
    if not st.st_mode & 0o222:
        return True
    return not os.access(path, os.W_OK)


def _owner(path: str) -> tuple[int, int]:
    st = os.lstat(path)
    return st.st_uid, st.st_gid


def _fingerprint(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode)


def _temp_beside(path: str, data: bytes, mode: int | None) -> str:
    """A complete temporary copy of ``data`` in ``path``'s directory (flushed to disk)."""
    directory, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{name[:64]}.", suffix=".unroot-tmp", dir=directory)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if mode is not None:
            os.fchmod(fd, mode)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(tmp)
        raise
    os.close(fd)
    return tmp


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
