"""Which path actually refused access, and to whom it belongs. Pure: ``stat`` is injected.

A refused ``openat("/var/lib/mysql/ddl_recovery.log", O_CREAT)`` is not about that file (it does
not exist) but about the directory it would be created in; a refused ``open`` of a readable file
can be about a parent directory that cannot be entered. The walk below repeats the kernel's
checks with the process's UID and groups and the modes found in the container's filesystem.
"""

from __future__ import annotations

import posixpath
import stat as stat_mod
from dataclasses import dataclass

from unroot.rules.runtime._observed import PathInfo, Stat

_BITS = {"read": 4, "write": 2, "exec": 1, "search": 1}


@dataclass(frozen=True, slots=True)
class Blocker:
    """The path whose owner and mode refused the access."""

    path: str
    uid: int
    gid: int
    mode: int
    reason: str
    exists: bool = True

    @property
    def perms(self) -> str:
        return f"{stat_mod.S_IMODE(self.mode):04o}"

    @property
    def owner(self) -> str:
        return f"{self.uid}:{self.gid}"


def allowed(info: PathInfo, want: int, uid: int, gids: tuple[int, ...]) -> bool:
    """The classic permission check (no ACLs): owner bits, else group bits, else other bits."""
    mode = stat_mod.S_IMODE(info.mode)
    if uid == info.uid:
        bits = mode >> 6
    elif info.gid in gids:
        bits = mode >> 3
    else:
        bits = mode
    return bits & want == want


def explain(
    path: str, access: str, uid: int, gids: tuple[int, ...], stat: Stat, *, entry: bool = False
) -> Blocker | None:
    """The first path on the way to ``path`` that refuses ``access`` to ``uid``/``gids``.

    ``entry``: the call adds or removes a directory entry (mkdir, unlink, rename, symlink...),
    which needs write permission on the directory rather than on the path itself.
    """
    if not path.startswith("/"):
        return None
    path = posixpath.normpath(path)
    parts = [p for p in path.split("/") if p]
    current = "/"
    for name in parts[:-1]:
        info = stat(current)
        if info is None:
            return None
        if not allowed(info, 1, uid, gids):
            return _block(info, current, "cannot be entered (no search permission)")
        nxt = posixpath.join(current, name)
        if stat(nxt) is None:
            # the rest of the path does not exist: creating it needs write on ``current``
            if access == "write" and not allowed(info, 3, uid, gids):
                return _block(info, current, f"cannot create {nxt} in it (no write permission)")
            return None
        current = nxt
    parent = stat(current)
    if parent is None:
        return None
    if not allowed(parent, 1, uid, gids):
        return _block(parent, current, "cannot be entered (no search permission)")
    target = stat(path) if parts else parent
    if target is None or (entry and parts):
        if access == "write" and not allowed(parent, 3, uid, gids):
            name = posixpath.basename(path)
            return _block(parent, current, f"{name} cannot be created or removed in it")
        return None
    want = _BITS.get(access, 4)
    if not allowed(target, want, uid, gids):
        verb = {"read": "read", "write": "written", "exec": "executed", "search": "entered"}
        return _block(target, path, f"cannot be {verb.get(access, 'used')} by UID {uid}")
    return None


def nearest(path: str, stat: Stat) -> PathInfo | None:
    """The path itself, or its nearest existing ancestor."""
    current = posixpath.normpath(path) if path.startswith("/") else "/"
    while True:
        info = stat(current)
        if info is not None or current == "/":
            return info
        current = posixpath.dirname(current)


def _block(info: PathInfo, path: str, reason: str) -> Blocker:
    return Blocker(path, info.uid, info.gid, info.mode, reason)
