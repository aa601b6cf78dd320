"""Can an arbitrary UID read, write or search a path of the image?

Restricted platforms run a container as a UID they pick (OpenShift: from 1000680000 up), with
group 0, no supplementary groups and no capabilities (``--cap-drop=ALL``: not even
CAP_DAC_OVERRIDE, so root-like shortcuts do not exist). Such a process owns nothing in the
image. Whether it can use a path is decided by the kernel's permission check on every
component: search (x) on each directory on the way, then read (r) or write (w) on the last
one, or write and search on the directory an entry is created in. Ownership by the daemon's
own user (``redis:redis 0750``) blocks it exactly like root ownership does.

This module answers those questions from the owner, group and mode the image records, walking
the path the way ``path_resolution(7)`` does: symlinks followed (inside the image, at most
:data:`MAX_LINKS`), ``..`` resolved against the directory reached so far, a file in the middle
of a path is ENOTDIR. Paths into ``/dev``, ``/proc`` and ``/sys`` belong to the runtime:
``/proc/self/fd/2`` and the standard devices (``/dev/stdout``, ``/dev/null``, ``/dev/shm/``)
are usable, and nothing new can be created in its ``/dev``.

Metadata may be partly unknown (a Dockerfile's file model without the base image): a decision
that depends on an unknown owner, group or mode, or on a path of type "unknown" (which may or
may not exist), is "unknown" (``allowed is None``), never a guess; only a directory of
unknown type on the way is taken to be searchable (builds put files under searchable
directories). The differential test
``tests/image/test_access_kernel.py`` compares every answer with the kernel's own
``access(2)`` for that identity on real trees.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

ARBITRARY_UID = 1000680000
"""The first UID of OpenShift's default namespace range: what the restricted profile uses."""
MAX_LINKS = 40
"""Linux's limit on symlinks followed in one lookup (ELOOP beyond)."""
RUNTIME_DIRS = ("/dev", "/proc", "/sys")
"""Mounted by the runtime over whatever the image has."""
DEV_NODES = frozenset(
    {"null", "zero", "full", "random", "urandom", "tty", "console", "ptmx", "stdin", "stdout"}
    | {"stderr"}
)
DEV_DIRS = ("fd", "pts", "shm", "mqueue")
"""What the runtime puts in its /dev (a tmpfs, 0755 root): these are usable, and nothing else
can be created there (rsyslog's /dev/log fails for an arbitrary UID)."""

READ, WRITE, EXEC = 4, 2, 1
_DIRISH = ("dir", "unknown")
"""Node types that may be directories: "unknown" is a path a file model cannot describe."""


class Need(StrEnum):
    """What the process wants to do with the path."""

    READ = "read"
    """Open an existing file (or list a directory) for reading."""
    WRITE = "write"
    """Open a file for writing, creating it when absent (a pid file, a log)."""
    SEARCH = "search"
    """Reach entries inside a directory (chdir, open below it)."""
    CREATE_IN = "create-in"
    """Create and remove entries inside an existing directory (data, temp, socket dirs)."""
    MKDIR = "mkdir"
    """Create the directory itself when absent (nginx's temp paths); fine if it is usable."""


class Node(Protocol):
    """The metadata the model needs of one path; :class:`~unroot.oci.model.FileEntry` fits.

    ``uid``/``gid``/``mode`` may be None where a file model does not know them.
    """

    @property
    def type(self) -> str: ...

    @property
    def mode(self) -> int | None: ...

    @property
    def uid(self) -> int | None: ...

    @property
    def gid(self) -> int | None: ...

    @property
    def linkname(self) -> str: ...


Lookup = Callable[[str], "Node | None"]
"""Metadata of an absolute path without following a final symlink (like ``lstat``)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who asks: the restricted profile by default."""

    uid: int = ARBITRARY_UID
    gid: int = 0
    groups: frozenset[int] = frozenset()

    def describe(self) -> str:
        extra = f", groups {sorted(self.groups)}" if self.groups else ""
        return f"uid {self.uid}, gid {self.gid}{extra}"


RESTRICTED = Identity()


@dataclass(frozen=True, slots=True)
class Access:
    """The answer for one path and one need, with the component that decided it."""

    path: str
    need: Need
    allowed: bool | None
    """True, False, or None when the decision depends on metadata the model does not know."""
    resolved: str
    """Where the path leads after symlinks ("" when it could not be followed)."""
    blocker: str | None = None
    """The path whose permissions (or absence) refuse access, or are unknown."""
    node: Node | None = None
    """Metadata of ``blocker`` (None when it does not exist)."""
    reason: str = ""
    """Why, in words: "no search permission on /etc/redis (mode 2770, owner 100:102)"."""
    exists: bool = False
    """Whether the path itself exists (after symlinks)."""
    special: bool = False
    """The path leads into /dev, /proc or /sys: the runtime provides it."""


def _type(node: Node) -> str:
    return str(node.type)


def mode_text(node: Node) -> str:
    mode = "????" if node.mode is None else f"{node.mode & 0o7777:04o}"
    uid = "?" if node.uid is None else str(node.uid)
    gid = "?" if node.gid is None else str(node.gid)
    return f"mode {mode}, owner {uid}:{gid}"


def permits(node: Node, who: Identity, want: int) -> bool | None:
    """Do the permission bits of ``node`` give ``who`` every bit of ``want`` (r=4 w=2 x=1)?

    Like the kernel: the owner class applies when the UID matches, else the group class when
    the file's group is the process's group or a supplementary one, else "other"; no
    capabilities, so no override. None when the answer depends on unknown metadata.
    """
    mode = node.mode
    if mode is None:
        return None
    owner, group, other = (mode >> 6) & 7, (mode >> 3) & 7, mode & 7
    uid, gid = node.uid, node.gid
    if uid is not None and uid == who.uid:
        return owner & want == want
    if uid is None:
        # the owner class applies only if the process owns it, which an unknown UID
        # decides; the answer is known when every class the process could fall in agrees
        candidates = (
            {owner, group, other}
            if gid is None
            else {owner, _group_or_other(gid, who, group, other)}
        )
        results = {c & want == want for c in candidates}
        return results.pop() if len(results) == 1 else None
    if gid is None:
        results = {group & want == want, other & want == want}
        return results.pop() if len(results) == 1 else None
    return _group_or_other(gid, who, group, other) & want == want


def _group_or_other(gid: int, who: Identity, group: int, other: int) -> int:
    return group if gid == who.gid or gid in who.groups else other


class AccessModel:
    """Permission answers for one identity over one file lookup (see the module docstring)."""

    def __init__(self, lookup: Lookup, who: Identity = RESTRICTED) -> None:
        self._lookup = lookup
        self.who = who

    def lookup(self, path: str) -> Node | None:
        return self._lookup(posixpath.normpath("/" + path.lstrip("/")))

    # -- the walk ---------------------------------------------------------------------------
    def resolve(self, path: str) -> tuple[str, Node | None, Access | None]:
        """Follow ``path`` to its final component, checking search permission on the way.

        Returns (resolved path, its node or None when absent, a refusal or None). The refusal
        is an :class:`Access` with ``need`` SEARCH naming the blocking component.
        """
        parts = [p for p in path.split("/") if p]
        current = "/"
        hops = 0
        root = self.lookup("/")
        node: Node | None = root
        i = 0
        while i < len(parts):
            part = parts[i]
            if part == ".":
                i += 1
                continue
            if part == "..":
                current = posixpath.dirname(current) or "/"
                node = self.lookup(current)
                i += 1
                continue
            # searching ``current`` to reach ``part``
            refusal = self._search(path, current, node)
            if refusal is not None:
                return current, node, refusal
            candidate = posixpath.join(current, part)
            if _special(candidate):
                # the runtime mounts its own /dev, /proc and /sys: the image's entries under
                # them do not matter
                target = posixpath.normpath(posixpath.join(candidate, *parts[i + 1 :]))
                if _special(target):
                    return target, None, None
                parts, current, node, i = [p for p in target.split("/") if p], "/", root, 0
                continue
            child = self.lookup(candidate)
            if child is not None and _type(child) == "symlink":
                hops += 1
                if hops > MAX_LINKS:
                    return (
                        "",
                        None,
                        Access(path, Need.SEARCH, False, "", candidate, child, "too many symlinks"),
                    )
                target = child.linkname
                base = "/" if target.startswith("/") else current
                parts = [p for p in posixpath.join(base, target).split("/") if p] + parts[i + 1 :]
                current, node, i = "/", self.lookup("/"), 0
                continue
            if child is None and i < len(parts) - 1:
                return (
                    candidate,
                    None,
                    Access(
                        path, Need.SEARCH, False, "", candidate, None, f"{candidate} does not exist"
                    ),
                )
            if child is not None and i < len(parts) - 1 and _type(child) not in _DIRISH:
                if _type(child) == "hardlink":
                    child = self.lookup(child.linkname) or child
                if _type(child) not in _DIRISH:
                    return (
                        candidate,
                        child,
                        Access(
                            path,
                            Need.SEARCH,
                            False,
                            "",
                            candidate,
                            child,
                            f"{candidate} is a {_type(child)}, not a directory",
                        ),
                    )
            current, node = candidate, child
            i += 1
        if node is not None and _type(node) == "hardlink":
            node = self.lookup(node.linkname) or node
        return current, node, None

    def _search(self, path: str, directory: str, node: Node | None) -> Access | None:
        if node is not None and _type(node) == "unknown":
            # a file model's unknown directory on the way to a path it knows: directories a
            # build puts files under are searchable in every base; the path itself decides
            return None
        if node is None:
            if directory == "/":
                return None  # a tree without a root entry: "/" is 0755 root:root
            return Access(
                path, Need.SEARCH, False, "", directory, None, f"{directory} does not exist"
            )
        ok = permits(node, self.who, EXEC)
        if ok:
            return None
        return Access(
            path,
            Need.SEARCH,
            ok,
            "",
            directory,
            node,
            f"{'no' if ok is False else 'unknown'} search permission on {directory} "
            f"({mode_text(node)})",
        )

    # -- questions ----------------------------------------------------------------------------
    def check(self, path: str, need: Need) -> Access:
        """May the identity do ``need`` with ``path``? (absolute path inside the image)"""
        path = posixpath.normpath("/" + path.lstrip("/"))
        if _special(path):
            return self._runtime(path, need)
        resolved, node, refusal = self.resolve(path)
        if refusal is not None:
            if refusal.resolved == "" and refusal.reason == "too many symlinks":
                return _with_need(refusal, need)
            if _special(refusal.blocker or ""):
                return self._runtime(path, need, refusal.blocker or "")
            return _with_need(refusal, need)
        if _special(resolved):
            return self._runtime(path, need, resolved)
        exists = node is not None
        if need is Need.READ:
            return self._final(path, need, resolved, node, READ, exists)
        if need is Need.SEARCH:
            if node is not None and _type(node) not in _DIRISH:
                return Access(
                    path,
                    need,
                    False,
                    resolved,
                    resolved,
                    node,
                    f"{resolved} is a {_type(node)}, not a directory",
                    exists,
                )
            return self._final(path, need, resolved, node, EXEC, exists)
        if need is Need.CREATE_IN:
            if node is not None and _type(node) not in _DIRISH:
                return Access(
                    path,
                    need,
                    False,
                    resolved,
                    resolved,
                    node,
                    f"{resolved} is a {_type(node)}, not a directory",
                    exists,
                )
            return self._final(path, need, resolved, node, WRITE | EXEC, exists)
        if need is Need.MKDIR and node is not None:
            return self.check(resolved, Need.CREATE_IN)
        if need is Need.WRITE and node is not None and _type(node) != "unknown":
            if _type(node) == "dir":
                return Access(
                    path, need, False, resolved, resolved, node, f"{resolved} is a directory", True
                )
            return self._final(path, need, resolved, node, WRITE, True)
        # creating the path: the directory it goes in must take new entries
        parent = posixpath.dirname(resolved) or "/"
        inside = self.check(parent, Need.CREATE_IN)
        if inside.allowed:
            return Access(path, need, True, resolved, exists=False)
        reason = inside.reason
        if not inside.exists and inside.blocker == inside.resolved:
            reason = f"{parent} does not exist"
        return Access(
            path, need, inside.allowed, resolved, inside.blocker, inside.node, reason, False
        )

    def _final(
        self, path: str, need: Need, resolved: str, node: Node | None, want: int, exists: bool
    ) -> Access:
        if node is None:
            if resolved == "/":
                usable = want & WRITE == 0  # "/" without an entry: 0755 root:root
                return Access(
                    path,
                    need,
                    usable,
                    resolved,
                    None if usable else "/",
                    None,
                    "" if usable else "/ is owned by root (0755)",
                    True,
                )
            return Access(
                path, need, False, resolved, resolved, None, f"{resolved} does not exist", False
            )
        ok = permits(node, self.who, want)
        if ok:
            return Access(path, need, True, resolved, exists=exists)
        what = {READ: "read", WRITE: "write", EXEC: "search", WRITE | EXEC: "write"}[want]
        word = "no" if ok is False else "unknown"
        return Access(
            path,
            need,
            ok,
            resolved,
            resolved,
            node,
            f"{word} {what} permission on {resolved} ({mode_text(node)})",
            exists,
        )

    @staticmethod
    def _runtime(path: str, need: Need, resolved: str = "") -> Access:
        """Paths the runtime provides: /proc and /sys as they are, /dev's standard nodes."""
        target = resolved or path
        if not target.startswith("/dev/") and target != "/dev":
            return Access(path, need, True, target, exists=True, special=True)
        rest = target[len("/dev/") :]
        if rest in DEV_NODES or rest.split("/", 1)[0] in DEV_DIRS:
            return Access(path, need, True, target, exists=True, special=True)
        if need is Need.READ or need is Need.SEARCH:
            return Access(path, need, False, target, target, None,
                          f"{target} is not among the devices the runtime provides",
                          special=True)  # fmt: skip
        return Access(
            path,
            need,
            False,
            target,
            "/dev",
            None,
            "/dev is the runtime's own tmpfs (0755 root): nothing can be created there",
            special=True,
        )

    def can(self, path: str, need: Need) -> bool | None:
        return self.check(path, need).allowed


def _with_need(access: Access, need: Need) -> Access:
    return Access(
        access.path,
        need,
        access.allowed,
        access.resolved,
        access.blocker,
        access.node,
        access.reason,
        access.exists,
        access.special,
    )


def _special(path: str) -> bool:
    return any(path == d or path.startswith(d + "/") for d in RUNTIME_DIRS)
