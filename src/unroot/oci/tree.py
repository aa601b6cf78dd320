"""Apply layer entries, in order, into a merged file tree (metadata plus a few small files).

The merged tree is what a container sees: each layer as containers/storage extracts it
into its own directory (``pkg/archive.Unpack``), stacked by overlayfs. A scan never writes
to disk, so this module replays that extraction on the tree; the differential test
(``tests/oci/test_oci_tar_podman.py``) checks the result against podman's own. Per entry:

- Names are cleaned like ``filepath.Clean``. The root itself is never taken from a layer
  (the runtime's root is always ``dr-xr-xr-x`` root:root); an absolute name, or one whose
  ``..`` climbs above the root, is refused as hostile (extractors differ on it), as is a
  name past ``PATH_MAX``/``NAME_MAX``, which no extractor can create.
- Missing parent directories are created ``0755`` root:root, as the extractor does (plus
  the setgid bit of a setgid parent of the same layer, as the kernel does); over a lower
  layer's directory they hide its owner and mode (overlayfs shows the upper one).
- A ``.wh.NAME`` whiteout hides NAME of lower layers; an entry the same layer adds for NAME
  *afterwards* undoes it (a directory then shows the lower contents again), an entry it
  added *before* makes the extractor fail, so it is refused. ``.wh..wh..opq`` (or the
  ``trusted.overlay.opaque=y`` xattr) hides a directory's lower contents; a character
  device 0/0 is overlayfs' own whiteout. A non-directory over a lower directory hides what
  was below it.
- Hardlinks must point at a non-directory the same layer added (the extractor links inside
  the layer's own directory). The link's header mode, owner and xattrs then apply to the
  shared inode, so every name of it changes; a ``chown`` that changes the owner drops a
  ``security.capability`` the link does not restate.
- Device nodes and FIFOs are recorded with their numbers, never created. Symlinks with an
  absolute target are normal; a relative target that climbs above the root is refused.
- The runtime refuses a layer naming one path twice (containers/storage's tar-split index
  rejects duplicates), so does the tree: this includes PAX global headers, whose names an
  extractor handles like entries' (it makes their parents, deletes what is there).
- Refused as ambiguous (the extractor would write through or delete something the tree
  cannot follow): an entry below a symlink, a non-directory or a whiteout of the same
  layer; a non-directory or a whiteout replacing a directory the layer made for its own
  entries; a PAX global header named like a path of the layer or a whiteout.
- Whiteouts are applied when the layer ends, in one pass over the tree that checks each
  lower path against a trie of the layer's whiteouts (linear in path length).
- Content is captured for regular files the ``capture(path, size)`` predicate selects,
  each at most ``max_file`` bytes, within a total budget of ``max_total`` bytes.
- Budgets (:class:`~unroot.oci.limits.Limits`): tar members and member-name bytes per image.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from unroot.errors import InputError
from unroot.oci import tarstream
from unroot.oci.limits import NAME_MAX, PATH_MAX, Limits
from unroot.oci.model import S_ISGID, DeviceEntry, EntryType, FileEntry, FileTree, normalise
from unroot.oci.tarstream import TarEntry

Capture = Callable[[str, int], bool]

MAX_FILE = 1024 * 1024
"""Content kept per captured file: the largest configs distributions ship (Debian's
squid.conf is 342 KB) fit; the per-image total below bounds memory."""
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
"""Shared by every entry without xattrs (the tree is read-only once built)."""
_CAP = "security.capability"
_MARK = ""
"""Trie key flagging a path whose lower contents a layer hides (no component is empty)."""

_CAPTURE_PREFIXES = ("etc/", "usr/local/bin/", "usr/local/sbin/", "docker-entrypoint.d/")
_LONG_COMPONENT = re.compile(f"[^/]{{{NAME_MAX + 1}}}")


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
    """Normalise a tar member name (``filepath.Clean``, no leading ``/``; the root is "").

    Hostile names raise :class:`InputError`: absolute, climbing above the root, or longer
    than the kernel lets an extractor create. Linear in the name's length, with the
    per-component work in C (deep names are thousands of components).
    """
    if name.startswith("./"):
        name = name[2:]
    elif name.startswith("/"):
        raise InputError(f"layer entry has an absolute path: {name[:200]!r}")
    plain = (
        "//" not in name
        and "/." not in name
        and not name.startswith(".")
        and not name.endswith("/")
    )
    if plain:
        if len(name) <= NAME_MAX:
            return name
        path = name
    else:
        parts = name.split("/")
        out: list[str] = []
        if ".." in parts:
            for part in parts:
                if part == "..":
                    if not out:
                        raise InputError(f"layer entry path climbs above the root: {name[:200]!r}")
                    out.pop()
                elif part and part != ".":
                    out.append(part)
        else:
            out = [part for part in parts if part and part != "."]
        path = "/".join(out)
    if len(path) + 2 > PATH_MAX:
        raise InputError(
            f"layer entry {name[:200]!r} is {len(path)} bytes long; no extractor can create "
            f"a path past {PATH_MAX - 2} bytes (PATH_MAX)"
        )
    if _LONG_COMPONENT.search(path):
        raise InputError(
            f"layer entry {name[:200]!r} has a name component longer than {NAME_MAX} bytes"
        )
    return path


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


class _Layer:
    """What one layer did so far, beyond the entries it put into the tree."""

    __slots__ = (
        "digest",
        "globals",
        "groups",
        "hidden",
        "index",
        "link_of",
        "markers",
        "opaque",
        "roots",
        "synth",
        "whiteouts",
    )

    def __init__(self, index: int, digest: str) -> None:
        self.index = index
        self.digest = digest
        self.whiteouts: set[str] = set()
        """Paths this layer whites out (and has not re-created since)."""
        self.hidden: set[str] = set()
        """Non-directories this layer put over a lower directory."""
        self.opaque: set[str] = set()
        self.markers: set[str] = set()
        """Directories with an opaque marker entry (``.wh..wh..opq``)."""
        self.synth: set[str] = set()
        """Parent directories the extractor creates (no entry names them, yet)."""
        self.globals: set[str] = set()
        """Names of PAX global headers (an extractor handles them like entries)."""
        self.roots = 0
        """Entries naming the root."""
        self.link_of: dict[str, str] = {}
        """Hardlinked path (either name) -> the first name of its inode."""
        self.groups: dict[str, list[str]] = {}
        """First name of a hardlinked inode -> all its names."""


class TreeBuilder:
    """Accumulates layers into a :class:`FileTree`; feed layers in order, then :meth:`tree`."""

    def __init__(
        self,
        capture: Capture | None = None,
        *,
        max_file: int = MAX_FILE,
        max_total: int = MAX_TOTAL,
        limits: Limits | None = None,
    ) -> None:
        self.capture = capture
        self.max_file = max_file
        self.max_total = max_total
        self.limits = limits or Limits()
        root = FileEntry("", EntryType.DIR, 0o555, 0, 0, 0, "", _NO_XATTRS, "", -1)
        self.entries: dict[str, FileEntry] = {"": root}
        self.content: dict[str, bytes] = {}
        self.members = 0
        """Tar members applied so far (all layers)."""
        self.name_bytes = 0
        """Bytes of member names applied so far (all layers)."""
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
        layer = _Layer(index, digest)
        whiteouts = layer.whiteouts
        wh = _WH
        file_t = EntryType.FILE
        dir_t = EntryType.DIR
        entry_cls = FileEntry
        no_xattrs = _NO_XATTRS
        global_t = tarstream.PAX_GLOBAL
        globals_ = layer.globals
        limits = self.limits
        members_left = limits.max_entries - self.members
        bytes_left = limits.max_path_bytes - self.name_bytes
        count = 0
        nbytes = 0
        last_parent = ""
        # The hot loop of a scan: a regular file or directory with no xattrs, nothing
        # captured, whose parent is the previous entry's, takes the fewest steps.
        for e in entries:
            count += 1
            name = e.name
            nbytes += len(name)
            if count > members_left or nbytes > bytes_left:
                raise over_budget(limits, count > members_left)
            path = self._last_path if name is self._last_name else clean_name(name)
            if not path:
                layer.roots += 1  # the root: the runtime never takes it from a layer
                if layer.roots > 1:
                    raise _duplicate(".")
                continue
            slash = path.rfind("/")
            if slash > 0:
                parent = path[:slash]
                if parent != last_parent:
                    self._ensure_parent(parent, layer)
                    last_parent = parent
            if wh in path and path[slash + 1 :].startswith(wh):
                self._whiteout(path, slash, name, layer)
                continue
            etype = types.get(e.type)
            if etype is None:
                if e.type == global_t:
                    self._global_header(path, layer)
                    continue
                raise InputError(f"layer entry {name[:200]!r} has unknown type {e.type!r}")
            xattrs = e.xattrs
            old = tree_get(path)
            if (
                (etype is file_t or etype is dir_t)
                and xattrs is None
                and old is None
                and not globals_
            ):
                tree[path] = entry_cls(path, etype, e.mode, e.uid, e.gid, e.size, "",
                                       no_xattrs, digest, index)  # fmt: skip
                if whiteouts:
                    whiteouts.discard(path)
            else:
                if not self._place(e, path, etype, old, digest, layer):
                    continue
            data = e.data
            if data is not None and etype is file_t:
                if max_total >= 0 and self._content_bytes + len(data) > max_total:
                    data = None
                else:
                    prev = content.get(path)
                    if prev is not None:
                        self._content_bytes -= len(prev)
                    content[path] = data
                    self._content_bytes += len(data)
            if data is None and old is not None and path in content:
                self._content_bytes -= len(content.pop(path))
        self.members += count
        self.name_bytes += nbytes
        if whiteouts or layer.hidden or layer.opaque:
            self._prune(layer)
        return count

    def _place(
        self,
        e: TarEntry,
        path: str,
        etype: EntryType,
        old: FileEntry | None,
        digest: str,
        layer: _Layer,
    ) -> bool:
        """Everything but a plain new file or directory; False when nothing is added."""
        index = layer.index
        dir_t = EntryType.DIR
        linkname = ""
        xattrs = e.xattrs or _NO_XATTRS
        if etype is EntryType.SYMLINK:
            linkname = e.linkname
            if not linkname:
                raise InputError(f"symlink {path!r} has an empty target")
            if len(linkname) >= PATH_MAX:
                raise InputError(
                    f"symlink {path!r} has a target of {len(linkname)} bytes, past the "
                    f"kernel's {PATH_MAX - 1} (PATH_MAX)"
                )
            if _symlink_escapes(path, linkname):
                raise InputError(
                    f"symlink {path!r} points outside the image root: {linkname[:200]!r}"
                )
        elif etype is EntryType.CHAR and e.devmajor == 0 and e.devminor == 0:
            self._device_whiteout(path, old, layer)
            return False
        if layer.globals and path in layer.globals:
            raise _duplicate(path)
        if old is not None:
            if old.layer_index == index:
                if path not in layer.synth:
                    raise _duplicate(path)
                if etype is not dir_t:
                    raise InputError(
                        f"layer replaces the directory {path!r}, which holds its own entries, "
                        f"with a {etype.value} (ambiguous: extractors drop those entries)"
                    )
                layer.synth.discard(path)  # the entry that names the parent made earlier
            elif old.type is dir_t and etype is not dir_t:
                layer.hidden.add(path)  # a non-directory over a lower directory
        if layer.whiteouts:
            layer.whiteouts.discard(path)
        if etype is EntryType.HARDLINK:
            self._hardlink(e, path, xattrs, digest, layer)
            return True
        if etype is dir_t and xattrs.get("trusted.overlay.opaque") == b"y":
            layer.opaque.add(path)
        entry: FileEntry
        if etype is EntryType.CHAR or etype is EntryType.BLOCK:
            entry = DeviceEntry(path, etype, e.mode, e.uid, e.gid, 0, "", xattrs, digest, index,
                                e.devmajor, e.devminor)  # fmt: skip
        else:
            entry = FileEntry(path, etype, e.mode, e.uid, e.gid, e.size, linkname, xattrs,
                              digest, index)  # fmt: skip
        self.entries[path] = entry
        return True

    def _ensure_parent(self, parent: str, layer: _Layer) -> None:
        """The extractor creates missing parents (``MkdirAll``, 0755 root:root) and writes
        through whatever is there; the tree does the former and refuses the latter. A new
        directory inherits the setgid bit of the layer's directory it is made in."""
        index = layer.index
        tree = self.entries
        missing: list[str] = []
        setgid = 0
        path = parent
        while path:
            if path in layer.whiteouts:
                raise InputError(
                    f"layer adds entries below {path!r}, which it whites out (ambiguous)"
                )
            found = tree.get(path)
            if found is not None and found.layer_index == index:
                if found.type is EntryType.DIR:
                    setgid = found.mode & S_ISGID
                    break
                kind = found.type.value
                raise InputError(
                    f"layer adds entries below {path!r}, a {kind} it added itself "
                    "(ambiguous: extractors write through it or fail)"
                )
            missing.append(path)
            slash = path.rfind("/")
            path = path[:slash] if slash > 0 else ""
        mode = 0o755 | setgid
        for path in reversed(missing):
            old = tree.get(path)
            tree[path] = FileEntry(path, EntryType.DIR, mode, 0, 0, 0, "", _NO_XATTRS, layer.digest,
                                   index)  # fmt: skip
            layer.synth.add(path)
            if old is not None and old.type is not EntryType.DIR:
                self._drop_content(path)
            if layer.whiteouts:
                layer.whiteouts.discard(path)

    def _whiteout(self, path: str, slash: int, name: str, layer: _Layer) -> None:
        parent = path[:slash] if slash >= 0 else ""
        base = path[slash + 1 :]
        if base == _OPAQUE:
            if parent in layer.markers:
                raise _duplicate(path)
            layer.markers.add(parent)
            layer.opaque.add(parent)
            return
        if base.startswith(".wh..wh."):
            return  # aufs metadata: the extractor leaves nothing visible for it
        target = base[4:]
        if target in ("", ".", ".."):
            raise InputError(f"layer has an invalid whiteout {name[:200]!r}")
        full = f"{parent}/{target}" if parent else target
        found = self.entries.get(full)
        if (found is not None and found.layer_index == layer.index) or full in layer.whiteouts:
            raise InputError(
                f"layer whites out {full!r} after adding it (the extractor fails on this)"
            )
        layer.whiteouts.add(full)

    def _device_whiteout(self, path: str, old: FileEntry | None, layer: _Layer) -> None:
        """A character device 0/0: overlayfs' own whiteout, put in place of ``path``."""
        if (old is not None and old.layer_index == layer.index) or path in layer.globals:
            if path not in layer.synth:
                raise _duplicate(path)
            raise InputError(
                f"layer replaces the directory {path!r}, which holds its own entries, with a "
                "whiteout (ambiguous: extractors drop those entries)"
            )
        if path in layer.whiteouts:
            raise _duplicate(path)
        layer.whiteouts.add(path)

    def _global_header(self, path: str, layer: _Layer) -> None:
        """The extractor treats a PAX global header's name like any entry's (it makes the
        parents, deletes what is there, converts a ``.wh.`` name) before ignoring it."""
        found = self.entries.get(path)
        base = path[path.rfind("/") + 1 :]
        mine = found is not None and found.layer_index == layer.index
        if path in layer.globals or (mine and path not in layer.synth):
            raise _duplicate(path)
        if mine or path in layer.whiteouts or base.startswith(_WH):
            raise InputError(
                f"a PAX global header is named {path!r}, which extractors would delete "
                "or treat as a whiteout (ambiguous)"
            )
        layer.globals.add(path)

    def _hardlink(
        self, e: TarEntry, path: str, xattrs: dict[str, bytes], digest: str, layer: _Layer
    ) -> None:
        linkname = e.linkname
        if linkname.startswith("/"):
            raise InputError(f"hardlink {path!r} has an absolute target {linkname[:200]!r}")
        try:
            target = clean_name(linkname)
        except InputError:
            raise InputError(
                f"hardlink {path!r} points outside the image root: {linkname[:200]!r}"
            ) from None
        found = self.entries.get(target)
        if found is None or found.layer_index != layer.index or not target:
            raise InputError(
                f"hardlink {path!r} points to {linkname[:200]!r}, which this layer does not "
                "contain (the runtime cannot extract it)"
            )
        if found.type is EntryType.DIR:
            raise InputError(f"hardlink {path!r} points to the directory {linkname[:200]!r}")
        first = layer.link_of.get(target, target)
        names = layer.groups.setdefault(first, [first])
        layer.link_of[first] = first
        inode = self.entries[first]
        # The extractor links, then chowns (a change of owner drops a file capability), sets
        # the link's xattrs and, unless the inode is a symlink, its mode.
        kept = inode.xattrs
        if (inode.uid, inode.gid) != (e.uid, e.gid) and _CAP in kept:
            kept = {k: v for k, v in kept.items() if k != _CAP}
        merged = {**kept, **xattrs} if kept else xattrs
        mode = inode.mode if inode.type is EntryType.SYMLINK else e.mode
        for other in names:
            old = self.entries[other]
            self.entries[other] = _with_attrs(old, mode, e.uid, e.gid, merged)
        names.append(path)
        layer.link_of[path] = first
        if inode.type is EntryType.SYMLINK:
            link = FileEntry(path, EntryType.SYMLINK, mode, e.uid, e.gid, 0, inode.linkname,
                             merged, digest, layer.index)  # fmt: skip
        else:
            link = FileEntry(path, EntryType.HARDLINK, mode, e.uid, e.gid, inode.size, first,
                             merged, digest, layer.index)  # fmt: skip
        self.entries[path] = link

    def _drop_content(self, path: str) -> None:
        data = self.content.pop(path, None)
        if data is not None:
            self._content_bytes -= len(data)

    def _prune(self, layer: _Layer) -> None:
        """Drop lower-layer paths this layer hides: whited out, or below a whiteout, an
        opaque directory or a non-directory it put over a lower directory."""
        index = layer.index
        whiteouts = layer.whiteouts
        marks = whiteouts | layer.hidden | layer.opaque
        everything = "" in marks
        trie: dict[str, dict] = {}  # type: ignore[type-arg]
        for mark in marks:
            node = trie
            for part in mark.split("/") if mark else ():
                node = node.setdefault(part, {})
            node[_MARK] = {}
        doomed: list[str] = []
        for path, entry in self.entries.items():
            if entry.layer_index >= index or not path:
                continue  # added or replaced by this layer: its whiteouts hide lower ones
            if everything or path in whiteouts:
                doomed.append(path)
                continue
            node = trie
            parts = path.split("/")
            parts.pop()
            for part in parts:
                child = node.get(part)
                if child is None:
                    break
                if _MARK in child:
                    doomed.append(path)
                    break
                node = child
        for path in doomed:
            del self.entries[path]
            self._drop_content(path)

    # -- result -----------------------------------------------------------------------
    def tree(self) -> FileTree:
        """The merged tree; the builder must not be used afterwards (its dicts move over)."""
        tree = FileTree.adopt(self.entries, self.content)
        self.entries = {}
        self.content = {}
        return tree


def _duplicate(path: str) -> InputError:
    return InputError(
        f"layer has two entries for {path!r} (the runtime refuses duplicate paths in a layer)"
    )


def over_budget(limits: Limits, members: bool) -> InputError:
    """The error for an image past its tar-member (or else member-name) budget."""
    if members:
        return InputError(
            f"image has more than {limits.max_entries} tar entries (limit UNROOT_MAX_ENTRIES)"
        )
    return InputError(
        f"image's entry names add up to more than {limits.max_path_bytes} bytes (limit "
        "UNROOT_MAX_PATH_BYTES)"
    )


def _with_attrs(
    entry: FileEntry, mode: int, uid: int, gid: int, xattrs: dict[str, bytes]
) -> FileEntry:
    if isinstance(entry, DeviceEntry):
        return DeviceEntry(entry.path, entry.type, mode, uid, gid, entry.size, entry.linkname,
                           xattrs, entry.layer, entry.layer_index, entry.devmajor,
                           entry.devminor)  # fmt: skip
    return FileEntry(entry.path, entry.type, mode, uid, gid, entry.size, entry.linkname, xattrs,
                     entry.layer, entry.layer_index)  # fmt: skip
