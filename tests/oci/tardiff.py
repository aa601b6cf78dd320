"""Layers to compare unroot's reader with podman's extraction, and the comparison itself.

A :class:`Case` is one or more raw layer tars. Cases are scanned by unroot one by one (in
process, fast); the ones unroot reads are stacked many to an image, loaded into podman with
skopeo, and podman's merged tree (``podman image mount``) is compared with unroot's tree of
the same image, field by field. Cases unroot refuses are loaded into podman alone, to
learn whether podman refuses them too.

Each case keeps its paths under its own top directory (``h012/...``, ``g0042/...``) so that
stacked cases do not interfere; a case that hides something elsewhere (the crafted
``usr/bin/evil-*`` files) uses a name of its own there too.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tarcraft import GNU, USTAR, V7, Header, Member, base256, meta, pad, pax

from unroot.errors import UnrootError
from unroot.oci.load import open_image
from unroot.oci.model import DeviceEntry, EntryType, FileTree
from unroot.oci.writer import REF_NAME, default_config, layout_writer

CAP = "security.capability"
CAP_BIND = bytes.fromhex("0100000200040000000000000000000000000000")  # v2, effective
CAP_RAW = bytes.fromhex("0000000200200000000000000000000000000000")  # v2, cap_net_raw


@dataclass
class Case:
    """Layers (raw tars) and what the case is about."""

    name: str
    layers: list[bytes]
    about: str = ""


@dataclass
class Node:
    """One path as a container sees it: the fields compared between unroot and podman."""

    kind: str
    mode: int
    uid: int
    gid: int
    size: int | None = None
    target: str | None = None
    dev: tuple[int, int] | None = None
    cap: str | None = None

    def fields(self) -> tuple[object, ...]:
        return (
            self.kind,
            self.mode,
            self.uid,
            self.gid,
            self.size,
            self.target,
            self.dev,
            self.cap,
        )


# -- encoding members ------------------------------------------------------------------------


@dataclass
class Spec:
    """A logical member and how to spell it in tar.

    ``name_via``: ``ustar`` (name field, split into prefix/name when long), ``pax`` (PAX
    ``path``), ``gnu`` (GNU long name), ``gnu+pax`` (both: GNU's wins, PAX holds a decoy),
    ``pax-empty`` (an empty PAX ``path``, which keeps the header's). ``numbers``: how the
    numeric fields are written (``octal``, ``spaces``, ``nuls``, ``full``, ``base256``).
    ``ids_via_pax``: uid/gid in PAX records, the header holding decoys.
    """

    path: str
    kind: str = "file"
    data: bytes = b""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    linkname: str = ""
    xattrs: dict[str, bytes] = field(default_factory=dict)
    dev: tuple[int, int] = (0, 0)
    name_via: str = "ustar"
    link_via: str = "ustar"
    numbers: str = "octal"
    ids_via_pax: bool = False
    areg: bool = False
    magic: str = "ustar"
    sparse: str = ""
    """``0.1`` or ``1.0``: a PAX GNU sparse file (the data's zero runs become holes)."""
    global_before: bool = False
    size_via_pax: bool = False


_TYPE = {
    "file": b"0",
    "dir": b"5",
    "symlink": b"2",
    "hardlink": b"1",
    "char": b"3",
    "block": b"4",
    "fifo": b"6",
}


def _number(value: int, width: int, style: str) -> bytes:
    if style == "base256" or value >= 8 ** (width - 1):
        return base256(value, width)  # what writers do when octal runs out of digits
    digits = f"{value:o}"
    if style == "spaces":
        return digits.rjust(width - 2, " ").encode() + b" \x00"
    if style == "nuls":
        return b"\x00" * (width - 1 - len(digits)) + digits.encode() + b"\x00"
    if style == "full":
        return digits.rjust(width, "0").encode()
    return digits.rjust(width - 1, "0").encode() + b"\x00"


def _split_ustar(name: bytes) -> tuple[bytes, bytes] | None:
    if len(name) <= 100:
        return b"", name
    for i in range(len(name) - 1, 0, -1):
        if name[i : i + 1] == b"/" and len(name) - i - 1 <= 100 and i <= 155:
            return name[:i], name[i + 1 :]
    return None


def _holes(data: bytes) -> list[tuple[int, int]]:
    """Data fragments of ``data``: runs of non-zero bytes (holes are the zero runs)."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(data):
        if data[i] == 0:
            i += 1
            continue
        j = i
        while j < len(data) and data[j] != 0:
            j += 1
        out.append((i, j - i))
        i = j
    return out


def encode(spec: Spec) -> bytes:
    """The raw bytes of one member (with its extended headers)."""
    name = spec.path.encode("utf-8", "surrogateescape")
    if spec.kind == "dir" and spec.areg:
        name = name.rstrip(b"/") + b"/"
    link = spec.linkname.encode("utf-8", "surrogateescape")
    records: list[tuple[bytes, bytes]] = []
    extra: list[Member] = []
    magic = {"ustar": USTAR, "gnu": GNU, "v7": V7}[spec.magic]
    prefix = b""
    if spec.name_via == "ustar":
        split = _split_ustar(name) if spec.magic == "ustar" else None
        if split is None:
            if len(name) > 100:
                raise ValueError("name does not fit")
            split = (b"", name)
        prefix, header_name = split
    elif spec.name_via == "pax-empty":
        header_name = name
        records.append((b"path", b""))
    else:
        header_name = b"decoy/" + hashlib.sha256(name).hexdigest()[:20].encode()
        if spec.name_via in ("gnu", "gnu+pax"):
            extra.append(meta(b"L", name + b"\x00"))
        if spec.name_via == "pax":
            records.append((b"path", name))
        if spec.name_via == "gnu+pax":
            records.append((b"path", b"decoy-pax/" + name[-40:]))
    header_link = link
    if link and (len(link) > 100 or spec.link_via != "ustar"):
        header_link = b"decoy-link"
        via = spec.link_via if spec.link_via != "ustar" else "pax"
        if via in ("gnu", "gnu+pax"):
            extra.append(meta(b"K", link + b"\x00"))
        if via == "pax":
            records.append((b"linkpath", link))
        if via == "gnu+pax":
            records.append((b"linkpath", b"decoy-pax-link"))
    uid, gid = spec.uid, spec.gid
    if spec.ids_via_pax:
        records += [(b"uid", str(uid).encode()), (b"gid", str(gid).encode())]
        uid, gid = 7, 7
    for key, value in spec.xattrs.items():
        records.append((b"SCHILY.xattr." + key.encode(), value))
    data = spec.data if spec.kind == "file" else b""
    stored = data
    if spec.kind == "file" and spec.sparse:
        fragments = _holes(data)
        dense = b"".join(data[o : o + n] for o, n in fragments)
        records += [
            (b"GNU.sparse.major", spec.sparse[0].encode()),
            (b"GNU.sparse.minor", spec.sparse[2].encode()),
            (b"GNU.sparse.name", name),
            (b"GNU.sparse.realsize", str(len(data)).encode()),
        ]
        if spec.sparse == "1.0":
            text = f"{len(fragments)}\n" + "".join(f"{o}\n{n}\n" for o, n in fragments)
            stored = pad(text.encode()) + dense
        else:
            records.append((b"GNU.sparse.numblocks", str(len(fragments)).encode()))
            records.append((b"GNU.sparse.map", ",".join(f"{o},{n}" for o, n in fragments).encode()))
            stored = dense
        header_name = b"sparse/" + hashlib.sha256(name).hexdigest()[:16].encode()
        prefix = b""
    size = len(stored)
    if spec.size_via_pax:
        records.append((b"size", str(size).encode()))
    numbers = spec.numbers
    typeflag = b"\x00" if spec.areg and spec.kind in ("file", "dir") else _TYPE[spec.kind]
    header = Header(
        header_name,
        typeflag,
        size=_number(0 if spec.size_via_pax else size, 12, numbers),
        mode=_number(spec.mode, 8, numbers),
        uid=_number(uid, 8, numbers),
        gid=_number(gid, 8, numbers),
        mtime=_number(1700000000, 12, numbers if numbers in ("nuls", "full") else "octal"),
        linkname=header_link,
        magic=magic,
        devmajor=_number(spec.dev[0], 8, "octal"),
        devminor=_number(spec.dev[1], 8, "octal"),
        prefix=prefix,
    )
    if records:
        extra.append(pax(records))
    if spec.global_before:
        # named inside the case's directory: two global headers of one name in a layer
        # would be duplicate paths, which the runtime refuses
        glob = pax([(b"comment", b"made by a test"), (b"mtime", b"1700000000.5")], global_=True)
        tag = hashlib.sha256(name).hexdigest()[:8].encode()
        glob.header.name = name.split(b"/", 1)[0] + b"/pax_global_header." + tag
        extra.insert(0, glob)
    return Member(header, stored, extra).encode()


def layer(*members: bytes | Spec, end: bytes = bytes(1024)) -> bytes:
    return b"".join(m if isinstance(m, bytes) else encode(m) for m in members) + end


# -- the two views ------------------------------------------------------------------------------


def unroot_view(tree: FileTree) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for e in tree:
        inode = e
        if e.type is EntryType.HARDLINK:
            found = tree.get(e.linkname)
            assert found is not None, e
            inode = found
        kind = {EntryType.HARDLINK: "file"}.get(inode.type, inode.type.value)
        node = Node(kind, 0 if kind == "symlink" else e.mode, e.uid, e.gid)
        if kind == "file":
            node.size = e.size
            node.cap = e.xattrs.get(CAP, b"").hex() or None
        elif kind == "symlink":
            node.target = inode.linkname
        elif isinstance(inode, DeviceEntry):
            node.dev = (inode.devmajor, inode.devminor)
        out[e.path] = node
    return out


def podman_view(root: Path) -> dict[str, Node]:
    out: dict[str, Node] = {}
    kinds = (
        (stat.S_ISREG, "file"),
        (stat.S_ISDIR, "dir"),
        (stat.S_ISLNK, "symlink"),
        (stat.S_ISCHR, "char"),
        (stat.S_ISBLK, "block"),
        (stat.S_ISFIFO, "fifo"),
    )

    def visit(path: Path, rel: str) -> None:
        st = os.lstat(path)
        kind = next(name for test, name in kinds if test(st.st_mode))
        node = Node(kind, 0 if kind == "symlink" else st.st_mode & 0o7777, st.st_uid, st.st_gid)
        if kind == "file":
            node.size = st.st_size
            try:
                node.cap = os.getxattr(path, CAP, follow_symlinks=False).hex()
            except OSError:
                node.cap = None
        elif kind == "symlink":
            node.target = os.readlink(path)
        elif kind in ("char", "block"):
            node.dev = (os.major(st.st_rdev), os.minor(st.st_rdev))
        out[rel] = node
        if kind == "dir":
            for child in sorted(os.listdir(path)):
                visit(path / child, f"{rel}/{child}" if rel else child)

    visit(root, "")
    return out


def differences(ours: dict[str, Node], theirs: dict[str, Node]) -> list[str]:
    out = []
    for path in sorted(set(ours) | set(theirs)):
        a, b = ours.get(path), theirs.get(path)
        if a is None or b is None or a.fields() != b.fields():
            out.append(f"{path!r}: unroot {a} / podman {b}")
    return out


# -- running ---------------------------------------------------------------------------------------


def write_layout(dest: Path, layers: list[bytes]) -> Path:
    with layout_writer(str(dest)) as w:
        blobs = [w.add_layer_stream(io.BytesIO(t), "gzip") for t in layers]
        manifest = w.add_image(default_config(Cmd=["/bin/sh"]), blobs)
        w.commit([manifest.descriptor(annotations={REF_NAME: "latest"})])
    return dest


def unroot_read(layers: list[bytes], workdir: Path) -> FileTree | str:
    """unroot's tree of an image of these layers, or its one-line refusal."""
    dest = Path(tempfile.mkdtemp(dir=workdir))
    try:
        write_layout(dest / "img", layers)
        try:
            return open_image(f"oci:{dest / 'img'}").tree
        except UnrootError as exc:
            return str(exc)
    finally:
        shutil.rmtree(dest, ignore_errors=True)


class PodmanLoader:
    """Loads layer stacks into local storage as ``localhost/unroot-test/tardiff-*``."""

    def __init__(self, env: dict[str, str], command: list[str], workdir: Path) -> None:
        self.env = env
        self.command = command
        self.workdir = workdir
        self.created: list[str] = []

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, env=self.env, capture_output=True, text=True, check=False, timeout=600
        )

    def load(self, layers: list[bytes]) -> str | None:
        """The image's name, or None when podman refuses to store it (its error is kept).

        A refused multi-layer image leaves the layers stored before the refused one behind,
        in no image; they are adopted into an image of their own and removed with it."""
        ref = self._copy(layers)
        if ref is None:
            error = self.last_error
            for end in range(len(layers) - 1, 0, -1):
                adopted = self._copy(layers[:end])
                if adopted is not None:
                    self._run([*self.command, "rmi", "-f", adopted])
                    self.created.remove(adopted)
                    break
            self.last_error = error
        return ref

    def _copy(self, layers: list[bytes]) -> str | None:
        digest = hashlib.sha256(b"".join(hashlib.sha256(t).digest() for t in layers)).hexdigest()
        ref = f"localhost/unroot-test/tardiff-{digest[:16]}:latest"
        dest = Path(tempfile.mkdtemp(dir=self.workdir))
        try:
            write_layout(dest / "img", layers)
            proc = self._run(
                [
                    "skopeo",
                    "copy",
                    "--quiet",
                    f"oci:{dest / 'img'}:latest",
                    f"containers-storage:{ref}",
                ]
            )
        finally:
            shutil.rmtree(dest, ignore_errors=True)
        if proc.returncode != 0:
            lines = [line for line in proc.stderr.splitlines() if line.strip()]
            self.last_error = lines[-1] if lines else f"exit {proc.returncode}"
            return None
        self.created.append(ref)
        return ref

    def view(self, ref: str) -> dict[str, Node]:
        mount = self._run([*self.command, "image", "mount", ref])
        assert mount.returncode == 0, mount.stderr
        try:
            return podman_view(Path(mount.stdout.strip()))
        finally:
            self._run([*self.command, "image", "unmount", ref])

    def remove_all(self) -> None:
        for ref in self.created:
            self._run([*self.command, "rmi", "-f", ref])
        self.created.clear()


def merged(cases: list[Case]) -> bytes:
    """One layer holding the members of several one-layer cases (each in its own
    directory), so a batch is one image with one layer: a layer podman refuses leaves
    nothing stored behind."""
    body = []
    for case in cases:
        (tar,) = case.layers
        assert tar.endswith(bytes(1024)), case.name
        body.append(tar[:-1024])
    return b"".join(body) + bytes(1024)


def owner(path: str, cases: list[Case]) -> str:
    """The case a differing path belongs to (by its top directory or its name)."""
    top = path.split("/", 1)[0]
    for case in cases:
        if top == case.name or path.endswith("-" + case.name):
            return case.name
    return "?"


def report(lines: list[str]) -> str:
    return json.dumps(lines[:60], indent=1)
