"""Files of a tree that is not ours to leave: a build context, a folder of manifests.

A build context is whatever a repository holds, and a repository can hold a symlink to
``/etc/shadow`` or a FIFO. BuildKit copies such a link as a link and never reads the host
file behind it, so neither may unroot: a path is read only when its fully resolved path is
inside the root, it is a regular file (``stat`` before opening, ``fstat`` after, opened
non-blocking and without following a final link), and it is under the caller's size cap.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import BinaryIO

from unroot.errors import InputError
from unroot.files.read import open_regular, read_capped


class Jail:
    """Paths under ``root`` (absolute, or relative to the root) that resolve inside it."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self._prefix = self.root.rstrip(os.sep) + os.sep

    def contains(self, real: str) -> bool:
        """True when the resolved path ``real`` is the root or below it."""
        return real == self.root or real.startswith(self._prefix)

    def resolve(self, path: str) -> str | None:
        """The resolved path of ``path`` when it stays inside the root, else None."""
        real = os.path.realpath(os.path.join(self.root, path))
        return real if self.contains(real) else None

    def open(self, path: str, label: str) -> BinaryIO:
        """Open a regular file whose resolved path is inside the root; an InputError says
        why not (a link that leaves, a FIFO, a device, a directory)."""
        real = self.resolve(path)
        if real is None:
            raise InputError(f"{label} is a symlink that leads out of {self.root}")
        return open_regular(real, label, follow=False)

    def read(self, path: str, cap: int, label: str | None = None) -> bytes:
        """The content of ``path`` (at most ``cap`` bytes) under the rules of :meth:`open`."""
        name = label or path
        with self.open(path, name) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > cap:
                raise InputError(f"{name}: larger than {cap} bytes ({size}); refusing")
            return read_capped(fh, cap, name)

    def try_read(self, path: str, cap: int) -> bytes | None:
        """Like :meth:`read`, None instead of an error: for files that may be skipped."""
        try:
            return self.read(path, cap)
        except InputError:
            return None

    def walk(self, directory: str, limit: int) -> Iterator[str]:
        """Paths of the files below ``directory`` (a path inside the root), in sorted order,
        not descending into symlinked directories; at most ``limit`` entries are looked at.
        Each is still to be read through :meth:`read`, which applies the rules."""
        real = self.resolve(directory)
        if real is None or not os.path.isdir(real):
            return
        seen = 0
        for dirpath, dirs, files in os.walk(real):
            dirs.sort()
            for name in sorted(files):
                seen += 1
                if seen > limit:
                    raise InputError(
                        f"{directory}: more than {limit} files below it in {self.root}; refusing"
                    )
                yield os.path.join(dirpath, name)
