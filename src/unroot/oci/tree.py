"""Apply layer entries, in order, into a merged file tree (metadata plus a few small files).

Decisions, all made for a *scan* that never writes to disk:

- Entry names lose a leading ``./``; a name that is absolute (``/etc/passwd``) or whose
  ``..`` parts climb above the root is hostile and rejected. No OCI builder writes either,
  and an extractor that trusted them would write outside its root. A ``..`` that stays inside
  (``a/../b``) is normalised.
- Symlinks: an absolute target (``/usr/bin/foo``) is normal: it resolves inside the container.
  A relative target that climbs above the root from the link's directory is rejected.
- Hardlinks must point at a path already in the tree (this layer or a lower one) that is not
  a directory; anything else is rejected.
- Device nodes: a char device 0/0 is the overlayfs whiteout format and is applied as a
  whiteout; any other char/block device is rejected (images get devices from the runtime).
- Whiteouts (``.wh.NAME``, ``.wh..wh..opq``, and overlayfs' ``trusted.overlay.opaque=y``)
  only hide lower layers. They are applied when the layer ends, in one pass over the tree,
  so an entry the same layer adds before or after its whiteout survives, and deleting a
  directory costs one pass, not one pass per deleted path.
- A non-directory replacing a directory the tree holds drops what was below it. Parents
  are not synthesised: a layer that names only ``d/x`` adds no ``d`` entry (real builders
  always write the parent directories).
- Content is captured for regular files the ``capture(path, size)`` predicate selects,
  each at most ``max_file`` bytes, within a total budget of ``max_total`` bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from unroot.errors import InputError
from unroot.oci import tarstream
from unroot.oci.model import EntryType, FileEntry, FileTree, normalise
from unroot.oci.tarstream import TarEntry

Capture = Callable[[str, int], bool]

MAX_FILE = 256 * 1024
MAX_TOTAL = 32 * 1024 * 1024

_TYPES: dict[bytes, EntryType] = {
    tarstream.REG: EntryType.FILE,
    tarstream.DIR: EntryType.DIR,
    tarstream.SYM: EntryType.SYMLINK,
    tarstream.LNK: EntryType.HARDLINK,
    tarstream.FIFO: EntryType.FIFO,
    tarstream.CHR: EntryType.CHAR,
    tarstream.BLK: EntryType.BLOCK,
}
_WH = ".wh."
_OPAQUE = ".wh..wh..opq"
_NO_XATTRS: dict[str, bytes] = {}

_CAPTURE_PREFIXES = ("etc/", "usr/local/bin/", "usr/local/sbin/", "docker-entrypoint.d/")


def default_capture(extra_paths: Iterable[str] = ()) -> Capture:
    """The files rules need: configs under etc/, scripts, local binaries, entrypoints.

    ``extra_paths`` are the absolute paths named in the config's ENTRYPOINT/CMD (read before
    the layers), captured whatever their name.
    """
    extra = frozenset(normalise(p) for p in extra_paths if p)

    def capture(path: str, size: int) -> bool:
        if size > MAX_FILE:
            return False
        if path.startswith(_CAPTURE_PREFIXES) or path.endswith(".sh") or path in extra:
            return True
        # the substring test first: it is false for nearly every path, and cheaper than
        # cutting out the base name
        return "entrypoint" in path and "entrypoint" in path[path.rfind("/") + 1 :]

    return capture


def clean_name(name: str) -> str:
    """Normalise a tar member name; hostile names raise :class:`InputError`."""
    if name.startswith("./"):
        name = name[2:]
    elif name.startswith("/"):
        raise InputError(f"layer entry has an absolute path: {name!r}")
    if (
        "//" not in name
        and "/." not in name
        and not name.startswith(".")
        and not name.endswith("/")
    ):
        return name
    out: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                raise InputError(f"layer entry path climbs above the root: {name!r}")
            out.pop()
            continue
        out.append(part)
    return "/".join(out)


def _symlink_escapes(path: str, target: str) -> bool:
    if target.startswith("/") or ".." not in target:
        return False
    depth = path.count("/")  # components of the link's directory
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


class TreeBuilder:
    """Accumulates layers into a :class:`FileTree`; feed layers in order, then :meth:`tree`."""

    def __init__(
        self,
        capture: Capture | None = None,
        *,
        max_file: int = MAX_FILE,
        max_total: int = MAX_TOTAL,
    ) -> None:
        self.capture = capture
        self.max_file = max_file
        self.max_total = max_total
        self.entries: dict[str, FileEntry] = {}
        self.content: dict[str, bytes] = {}
        self._content_bytes = 0
        self._last_name = ""
        self._last_path = ""

    # -- called by the tar reader -----------------------------------------------------
    def want(self, name: str, size: int) -> bool:
        """Whether to read this regular file's content (remembers the cleaned name)."""
        capture = self.capture
        if capture is None or self._content_bytes + size > self.max_total:
            return False
        path = clean_name(name)
        self._last_name = name
        self._last_path = path
        return capture(path, size)

    # -- one layer ------------------------------------------------------------------------
    def apply(
        self,
        entries: Iterable[TarEntry],
        digest: str,
        index: int,
        *,
        recheck_budget: bool = False,
    ) -> int:
        """Merge one layer's entries; returns how many entries it had.

        ``recheck_budget``: the entries were parsed elsewhere (a layer worker process), so
        the content budget that :meth:`want` applies while parsing is applied here instead,
        at the same point of the merge: content that would not have been read is dropped.
        """
        max_total = self.max_total if recheck_budget else -1
        tree = self.entries
        tree_get = tree.get
        content = self.content
        types = _TYPES
        removed: set[str] = set()
        opaque: set[str] = set()
        wh = _WH
        file_t = EntryType.FILE
        dir_t = EntryType.DIR
        symlink_t = EntryType.SYMLINK
        hardlink_t = EntryType.HARDLINK
        char_t = EntryType.CHAR
        block_t = EntryType.BLOCK
        entry_cls = FileEntry
        count = 0
        # The hot loop of a scan: a regular file or directory with no xattrs and nothing
        # captured takes the fewest steps; the rarer kinds are checked only after.
        for e in entries:
            count += 1
            name = e.name
            path = self._last_path if name is self._last_name else clean_name(name)
            if wh in path:
                slash = path.rfind("/")
                base = path[slash + 1 :]
                if base.startswith(wh):
                    parent = path[:slash] if slash >= 0 else ""
                    if base == _OPAQUE:
                        opaque.add(parent)
                    elif not base.startswith(".wh..wh."):
                        target = base[4:]
                        if target in ("", ".", ".."):
                            raise InputError(f"layer has an invalid whiteout {name!r}")
                        removed.add(f"{parent}/{target}" if parent else target)
                    continue
            etype = types[e.type]
            linkname = e.linkname
            if etype is file_t or etype is dir_t:
                pass
            elif etype is symlink_t:
                if _symlink_escapes(path, linkname):
                    raise InputError(
                        f"symlink {path!r} points outside the image root: {linkname!r}"
                    )
            elif etype is hardlink_t:
                linkname = self._hardlink_target(path, linkname)
            elif etype is char_t or etype is block_t:
                if etype is char_t and e.devmajor == 0 and e.devminor == 0:
                    removed.add(path)
                    continue
                kind = "c" if etype is char_t else "b"
                raise InputError(
                    f"layer contains device node {path!r} ({kind} {e.devmajor}:{e.devminor})"
                )
            xattrs = e.xattrs
            if xattrs is None:
                xattrs = {}
            elif etype is dir_t and xattrs.get("trusted.overlay.opaque") == b"y":
                opaque.add(path)
            data = e.data
            if data is not None and max_total >= 0 and self._content_bytes + len(data) > max_total:
                data = None
            old = tree_get(path)
            tree[path] = entry_cls(path, etype, e.mode, e.uid, e.gid, e.size, linkname, xattrs,
                                   digest, index)  # fmt: skip
            if old is not None:
                if old.type is dir_t and etype is not dir_t:
                    # A non-directory replaces a directory: what was below it is gone.
                    removed.add(path)
                if data is None and path in content:
                    self._content_bytes -= len(content.pop(path))
            if data is not None:
                prev = content.get(path)
                if prev is not None:
                    self._content_bytes -= len(prev)
                content[path] = data
                self._content_bytes += len(data)
        if removed or opaque:
            self._prune(removed, opaque, index)
        return count

    def _hardlink_target(self, path: str, linkname: str) -> str:
        if linkname.startswith("/"):
            raise InputError(f"hardlink {path!r} has an absolute target {linkname!r}")
        try:
            target = clean_name(linkname)
        except InputError:
            raise InputError(
                f"hardlink {path!r} points outside the image root: {linkname!r}"
            ) from None
        found = self.entries.get(target)
        if found is None:
            raise InputError(f"hardlink {path!r} points to {linkname!r}, which is not in the image")
        if found.type is EntryType.DIR:
            raise InputError(f"hardlink {path!r} points to the directory {linkname!r}")
        return target

    def _prune(self, removed: set[str], opaque: set[str], index: int) -> None:
        doomed: list[str] = []
        for path, entry in self.entries.items():
            if entry.layer_index >= index or not path:
                # Added or replaced by this layer: its whiteouts only hide lower layers.
                continue
            if path in removed:
                doomed.append(path)
                continue
            p = path
            while True:
                slash = p.rfind("/")
                p = p[:slash] if slash >= 0 else ""
                if p in removed or p in opaque:
                    doomed.append(path)
                    break
                if not p:
                    break
        for path in doomed:
            del self.entries[path]
            data = self.content.pop(path, None)
            if data is not None:
                self._content_bytes -= len(data)

    # -- result -----------------------------------------------------------------------
    def tree(self) -> FileTree:
        """The merged tree; the builder must not be used afterwards (its dicts move over)."""
        tree = FileTree.adopt(self.entries, self.content)
        self.entries = {}
        self.content = {}
        return tree
