"""Reading a mounted container or image root filesystem from the host, safely.

A path inside the container must be resolved the way the container sees it: an absolute
symlink ``/etc/x -> /usr/share/x`` points into the container's root, never into the host's.
:func:`resolve` walks the path one component at a time below ``root`` (like ``openat2`` with
``RESOLVE_IN_ROOT``), so nothing outside ``root`` is ever read or stat'ed.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator

from unroot.rules.runtime._observed import PathInfo

MAX_LINKS = 40
"""The kernel's own limit on symlinks followed in one lookup."""
MAX_READ = 256 * 1024


def resolve(root: str, path: str, *, follow_last: bool = True) -> str | None:
    """The container path ``path`` after following symlinks inside ``root``, or None when a
    directory on the way is missing or not a directory, or the links loop. A missing last
    component is kept (it names where a file would be created). Returned as a container path."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    done = "/"
    links = 0
    while parts:
        name = parts.pop(0)
        if name == "..":
            done = posixpath.dirname(done.rstrip("/")) or "/"
            continue
        candidate = posixpath.join(done, name)
        try:
            st = os.lstat(_host(root, candidate))
        except OSError:
            # a missing last component still names a place (where a file would be created)
            return candidate if not parts else None
        if stat.S_ISLNK(st.st_mode) and (parts or follow_last):
            links += 1
            if links > MAX_LINKS:
                return None
            try:
                target = os.readlink(_host(root, candidate))
            except OSError:
                return None
            if target.startswith("/"):
                done = "/"
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        if parts and not stat.S_ISDIR(st.st_mode):
            return None
        done = candidate
    return done


def _host(root: str, container_path: str) -> str:
    """Host path of an already-resolved container path (no symlink in it but the last)."""
    return os.path.join(root, container_path.lstrip("/"))


def lstat(root: str, path: str) -> PathInfo | None:
    """Owner and mode of ``path`` (the link itself when it is a symlink)."""
    parent = resolve(root, posixpath.dirname(path) or "/")
    if parent is None:
        return None
    real = posixpath.join(parent, posixpath.basename(path)) if path.strip("/") else "/"
    try:
        st = os.lstat(_host(root, real))
    except OSError:
        return None
    return PathInfo(path, st.st_uid, st.st_gid, st.st_mode)


def stat_path(root: str, path: str) -> PathInfo | None:
    """Owner and mode of what ``path`` names, symlinks followed inside the root."""
    real = resolve(root, path)
    if real is None:
        return None
    try:
        st = os.lstat(_host(root, real))
    except OSError:
        return None
    return PathInfo(real, st.st_uid, st.st_gid, st.st_mode)


def read_text(root: str, path: str, limit: int = MAX_READ) -> str | None:
    """A regular file's text (at most ``limit`` bytes), or None."""
    real = resolve(root, path)
    if real is None:
        return None
    host = _host(root, real)
    try:
        fd = os.open(host, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, limit).decode("utf-8", "replace")
    finally:
        os.close(fd)


def list_paths(root: str, tops: tuple[str, ...], limit: int = 20000) -> Iterator[str]:
    """Container paths below ``tops`` (not following symlinks), at most ``limit``."""
    count = 0
    for top in tops:
        real = resolve(root, top)
        if real is None:
            continue
        for dirpath, dirnames, filenames in os.walk(_host(root, real)):
            rel = os.path.relpath(dirpath, root)
            rel = "/" if rel == "." else "/" + rel
            for name in sorted(dirnames + filenames):
                count += 1
                if count > limit:
                    return
                yield posixpath.join(rel, name)
