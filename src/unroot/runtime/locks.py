"""Host-wide locks shared by every unroot process and every user.

They live in ``$TMPDIR/unroot-locks``, a sticky world-writable directory like /tmp itself, so
rootful and rootless runs coordinate too. Lock files are opened without following symlinks
and only ever ``flock``ed, never written; a file another user made unreadable is treated as
held.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from unroot.errors import ToolError
from unroot.runtime.hostconf import default_conf_dir

SHARED_DIR = "unroot-locks"


def lock_dir() -> Path:
    """``$TMPDIR/unroot-locks`` when it is (or can be made) a sticky world-writable directory
    that is not a symlink; else a private one under the user's runtime directory."""
    shared = Path(tempfile.gettempdir()) / SHARED_DIR
    try:
        shared.mkdir(mode=0o1777, exist_ok=True)
        st = os.lstat(shared)
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid():
            os.chmod(shared, 0o1777)
            st = os.lstat(shared)
        if stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o1777:
            return shared
    except OSError:
        pass
    private = default_conf_dir() / "locks"
    private.mkdir(parents=True, exist_ok=True)
    return private


def open_lock(path: Path) -> int | None:
    """A descriptor to ``flock`` for ``path``, or None when it cannot be used safely."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.ELOOP, errno.EPERM):
            return None  # another user's lock we may not open, or a planted symlink
        raise ToolError(f"cannot create lock {path}: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None
    if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != 0o666:
        os.fchmod(fd, 0o666)  # other users lock it too (the umask narrowed it)
    return fd


@contextmanager
def exclusive(name: str, timeout: float, directory: Path | None = None) -> Iterator[None]:
    """Hold the host-wide lock ``name`` (waits at most ``timeout`` seconds, then goes on
    without it: a stuck holder must not hang unroot)."""
    fd = open_lock((directory or lock_dir()) / f"{name}.lock")
    held = False
    if fd is not None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except OSError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
    try:
        yield
    finally:
        if fd is not None:
            if held:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
