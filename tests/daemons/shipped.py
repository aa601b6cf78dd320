"""The file tree of a built image, read through ``podman image mount``: files, modes and owners
exactly as the packages' maintainer scripts left them.

Used by the parser tests on configs as the distributions ship them. The mount is read-only
here; content is kept for files under /etc (up to 1 MiB each), like the image reader keeps
configs.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from unroot.oci.model import EntryType, FileEntry, FileTree

if TYPE_CHECKING:
    from unroot.runtime.podman import Podman

MAX_CONTENT = 1 << 20
_KINDS = (
    (stat.S_ISDIR, EntryType.DIR),
    (stat.S_ISLNK, EntryType.SYMLINK),
    (stat.S_ISREG, EntryType.FILE),
    (stat.S_ISCHR, EntryType.CHAR),
    (stat.S_ISBLK, EntryType.BLOCK),
    (stat.S_ISFIFO, EntryType.FIFO),
)


def tree_of(root: Path) -> FileTree:
    tree = FileTree()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            st = os.lstat(full)
            kind = next((k for test, k in _KINDS if test(st.st_mode)), EntryType.FILE)
            link = os.readlink(full) if kind is EntryType.SYMLINK else ""
            entry = FileEntry(rel, kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid,
                              st.st_size, link)  # fmt: skip
            content = None
            if kind is EntryType.FILE and rel.startswith("etc/") and st.st_size <= MAX_CONTENT:
                content = Path(full).read_bytes()
            tree.put(entry, content)
    return tree


@contextmanager
def mounted(podman: Podman, tag: str) -> Iterator[FileTree]:
    """The tree of image ``tag`` (mounted for the duration, then unmounted)."""
    root = Path(podman.run_cmd(["image", "mount", tag]).stdout.strip())
    try:
        yield tree_of(root)
    finally:
        podman.run_cmd(["image", "unmount", tag], check=False)
