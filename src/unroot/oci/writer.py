"""Write OCI image layouts, oci-archives and docker-archives from in-memory entries.

Used by tests (images with setuid files and ``security.capability`` xattrs, built without
root or podman) and by ``unroot fix`` (an appended layer plus a new config). Output is
atomic: everything is written into a temporary directory (or file) beside the destination
and renamed into place at the end, so a failure never leaves partial output.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import isal.isal_zlib as isal_zlib
import orjson
import zstandard

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
REF_NAME = "org.opencontainers.image.ref.name"
CHUNK = 256 * 1024


@dataclass
class Entry:
    """One layer member. ``type``: file, dir, symlink, hardlink, whiteout, opaque, char,
    block, fifo. A ``whiteout`` at PATH hides PATH of lower layers; ``opaque`` at DIR hides
    DIR's lower contents."""

    path: str
    type: str = "file"
    data: bytes = b""
    mode: int | None = None
    uid: int = 0
    gid: int = 0
    linkname: str = ""
    xattrs: dict[str, bytes] = field(default_factory=dict)
    devmajor: int = 0
    devminor: int = 0
    mtime: int = 0


_TAR_TYPES = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}


def _tarinfo(entry: Entry) -> tarfile.TarInfo:
    path = entry.path.strip("/")
    kind = entry.type
    if kind in ("whiteout", "opaque"):
        parent, _, base = path.rpartition("/")
        name = ".wh..wh..opq" if kind == "opaque" else f".wh.{base}"
        if kind == "opaque":
            parent = path
        info = tarfile.TarInfo(f"{parent}/{name}" if parent else name)
        info.mode = 0o644
        return info
    info = tarfile.TarInfo(path or ".")
    info.type = _TAR_TYPES[kind]
    default_mode = 0o755 if kind == "dir" else 0o777 if kind == "symlink" else 0o644
    info.mode = entry.mode if entry.mode is not None else default_mode
    info.uid = entry.uid
    info.gid = entry.gid
    info.mtime = entry.mtime
    info.linkname = entry.linkname
    info.devmajor = entry.devmajor
    info.devminor = entry.devminor
    if kind == "file":
        info.size = len(entry.data)
    if entry.xattrs:
        info.pax_headers = {
            f"SCHILY.xattr.{k}": v.decode("utf-8", "surrogateescape")
            for k, v in entry.xattrs.items()
        }
    return info


def layer_tar(entries: Iterable[Entry]) -> bytes:
    """An uncompressed layer tar (PAX format, so xattrs and long names survive)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for entry in entries:
            info = _tarinfo(entry)
            tf.addfile(info, io.BytesIO(entry.data) if info.isreg() else None)
    return buf.getvalue()


class _Compressor:
    def __init__(self, kind: str, level: int | None = None) -> None:
        self.kind = kind
        if kind == "gzip":
            # isal has levels 0-3; above that (what Go and docker write: 6) use zlib.
            glevel = level if level is not None else 1
            self._gz = (isal_zlib if glevel <= 3 else zlib).compressobj(glevel, wbits=31)
        elif kind == "zstd":
            self._zs = zstandard.ZstdCompressor(
                level=level if level is not None else 3
            ).compressobj()
        elif kind != "none":
            raise ValueError(f"unknown compression {kind!r}")

    def compress(self, data: bytes) -> bytes:
        if self.kind == "gzip":
            out: bytes = self._gz.compress(data)
            return out
        if self.kind == "zstd":
            return bytes(self._zs.compress(data))
        return data

    def flush(self) -> bytes:
        if self.kind == "gzip":
            out: bytes = self._gz.flush()
            return out
        if self.kind == "zstd":
            return bytes(self._zs.flush())
        return b""


def compress(data: bytes, kind: str) -> bytes:
    comp = _Compressor(kind)
    return comp.compress(data) + comp.flush()


@dataclass(frozen=True)
class Blob:
    digest: str
    size: int
    media_type: str
    diff_id: str = ""

    def descriptor(self, **extra: Any) -> dict[str, Any]:
        desc: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest}
        desc["size"] = self.size
        desc.update(extra)
        return desc


def _json(doc: Any) -> bytes:
    return orjson.dumps(doc)


def default_config(
    *, os_name: str = "linux", arch: str = "amd64", variant: str = "", **config: Any
) -> dict[str, Any]:
    """A minimal image config; keyword args go under ``config`` (User, Cmd, ExposedPorts...)."""
    doc: dict[str, Any] = {
        "architecture": arch,
        "os": os_name,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": []},
        "history": [],
    }
    if variant:
        doc["variant"] = variant
    return doc


class LayoutWriter:
    """Collects blobs in a temp dir beside ``dest``; :meth:`commit` renames it into place."""

    def __init__(self, dest: str) -> None:
        self.dest = os.path.abspath(dest)
        parent = os.path.dirname(self.dest)
        os.makedirs(parent, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix=".unroot-layout-", dir=parent)
        os.chmod(self.tmp, 0o755)  # mkdtemp's 0700 would survive the rename
        os.makedirs(os.path.join(self.tmp, "blobs", "sha256"))
        self._done = False

    # -- blobs --------------------------------------------------------------------------
    def _blob_file(self, digest: str) -> str:
        return os.path.join(self.tmp, "blobs", "sha256", digest.partition(":")[2])

    def add_blob(self, data: bytes, media_type: str) -> Blob:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(self._blob_file(digest), "wb") as fh:
            fh.write(data)
        return Blob(digest, len(data), media_type)

    def add_layer(self, entries: Iterable[Entry], compression: str = "gzip") -> Blob:
        return self.add_layer_stream(io.BytesIO(layer_tar(entries)), compression)

    def add_layer_stream(
        self, tar_stream: BinaryIO, compression: str = "gzip", level: int | None = None
    ) -> Blob:
        """Compress an uncompressed layer tar from a stream (any size) into a blob."""
        comp = _Compressor(compression, level)
        diff = hashlib.sha256()
        blob_hash = hashlib.sha256()
        size = 0
        fd, tmp_path = tempfile.mkstemp(dir=self.tmp, prefix=".blob-")
        with os.fdopen(fd, "wb") as out:
            while chunk := tar_stream.read(CHUNK):
                diff.update(chunk)
                data = comp.compress(chunk)
                if data:
                    blob_hash.update(data)
                    out.write(data)
                    size += len(data)
            data = comp.flush()
            blob_hash.update(data)
            out.write(data)
            size += len(data)
        digest = "sha256:" + blob_hash.hexdigest()
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, self._blob_file(digest))
        return Blob(digest, size, LAYER_TYPES[compression], "sha256:" + diff.hexdigest())

    def add_raw_layer(self, blob: bytes, media_type: str, diff_id: str = "") -> Blob:
        """A layer blob exactly as given (already compressed, or deliberately odd)."""
        written = self.add_blob(blob, media_type)
        return Blob(written.digest, written.size, media_type, diff_id or written.digest)

    def add_image(self, config: dict[str, Any], layers: list[Blob]) -> Blob:
        """Write config (diff_ids filled in) and manifest; returns the manifest blob."""
        config = dict(config)
        config["rootfs"] = {"type": "layers", "diff_ids": [b.diff_id for b in layers]}
        config_blob = self.add_blob(_json(config), OCI_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config_blob.descriptor(),
            "layers": [b.descriptor() for b in layers],
        }
        return self.add_blob(_json(manifest), OCI_MANIFEST)

    def add_index(self, manifests: list[tuple[Blob, dict[str, str]]]) -> Blob:
        """A nested image index; each manifest with its platform dict."""
        doc = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [m.descriptor(platform=p) for m, p in manifests],
        }
        return self.add_blob(_json(doc), OCI_INDEX)

    # -- finish -------------------------------------------------------------------------
    def commit(self, top: list[dict[str, Any]]) -> str:
        """Write index.json (``top`` descriptors) and oci-layout, then rename into place."""
        with open(os.path.join(self.tmp, "oci-layout"), "wb") as fh:
            fh.write(_json({"imageLayoutVersion": "1.0.0"}))
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": top}
        with open(os.path.join(self.tmp, "index.json"), "wb") as fh:
            fh.write(_json(index))
        _replace_dir(self.tmp, self.dest)
        self._done = True
        return self.dest

    def abort(self) -> None:
        if not self._done:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self._done = True


def _replace_dir(src: str, dest: str) -> None:
    if os.path.lexists(dest):
        old = tempfile.mkdtemp(prefix=".unroot-old-", dir=os.path.dirname(dest))
        os.rename(dest, os.path.join(old, "x"))
        os.rename(src, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(src, dest)


@contextmanager
def layout_writer(dest: str) -> Iterator[LayoutWriter]:
    """A LayoutWriter that is removed again if the block raises."""
    writer = LayoutWriter(dest)
    try:
        yield writer
    finally:
        writer.abort()


def write_image(
    dest: str,
    layers: list[list[Entry]],
    config: dict[str, Any] | None = None,
    *,
    compression: str | list[str] = "gzip",
    tag: str = "latest",
) -> str:
    """One image as an OCI layout at ``dest`` (tagged ``tag``)."""
    kinds = [compression] * len(layers) if isinstance(compression, str) else compression
    with layout_writer(dest) as w:
        blobs = [w.add_layer(entries, kind) for entries, kind in zip(layers, kinds, strict=True)]
        manifest = w.add_image(config or default_config(), blobs)
        return w.commit([manifest.descriptor(annotations={REF_NAME: tag})])


# -- archives -------------------------------------------------------------------------------
def _atomic_file(dest: str) -> tuple[BinaryIO, str]:
    parent = os.path.dirname(os.path.abspath(dest))
    fd, tmp = tempfile.mkstemp(prefix=".unroot-archive-", dir=parent)
    return os.fdopen(fd, "wb"), tmp


def tar_directory(src_dir: str, dest: str) -> str:
    """Pack a directory (an OCI layout) into a tar at ``dest``: an oci-archive."""
    fh, tmp = _atomic_file(dest)
    try:
        with fh, tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tf:
            for root, dirs, files in os.walk(src_dir):
                dirs.sort()
                for name in sorted(files):
                    full = os.path.join(root, name)
                    tf.add(full, arcname=os.path.relpath(full, src_dir), recursive=False)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise
    return dest


def write_docker_archive(
    dest: str,
    layers: list[list[Entry]] | list[bytes],
    config: dict[str, Any] | None = None,
    *,
    repo_tag: str = "localhost/image:latest",
    legacy: bool = False,
) -> str:
    """A ``docker save`` style archive (uncompressed ``<diff_id>.tar`` layers).

    ``layers`` are entry lists or ready layer tars. With ``legacy`` the pre-1.10 format is
    written instead: ``repositories`` plus ``<id>/json`` and ``<id>/layer.tar`` per layer.
    """
    tars = [t if isinstance(t, bytes) else layer_tar(t) for t in layers]
    diff_ids = ["sha256:" + hashlib.sha256(t).hexdigest() for t in tars]
    config = dict(config or default_config())
    config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    config_bytes = _json(config)
    config_hex = hashlib.sha256(config_bytes).hexdigest()

    members: list[tuple[str, bytes]] = []
    if legacy:
        parent = ""
        ids: list[str] = []
        for i, data in enumerate(tars):
            layer_id = hashlib.sha256(f"{parent}{diff_ids[i]}".encode()).hexdigest()
            meta: dict[str, Any] = {"id": layer_id}
            if parent:
                meta["parent"] = parent
            if i == len(tars) - 1:
                meta.update({k: v for k, v in config.items() if k != "rootfs"})
                meta["id"] = layer_id
                if parent:
                    meta["parent"] = parent
            members += [(f"{layer_id}/json", _json(meta)), (f"{layer_id}/layer.tar", data)]
            members.append((f"{layer_id}/VERSION", b"1.0"))
            ids.append(layer_id)
            parent = layer_id
        repo, _, tag = repo_tag.rpartition(":")
        members.append(("repositories", _json({repo: {tag: ids[-1]}})))
    else:
        names = [f"{d.partition(':')[2]}.tar" for d in diff_ids]
        members += list(zip(names, tars, strict=True))
        members.append((f"{config_hex}.json", config_bytes))
        manifest = [{"Config": f"{config_hex}.json", "RepoTags": [repo_tag], "Layers": names}]
        members.append(("manifest.json", _json(manifest)))

    fh, tmp = _atomic_file(dest)
    try:
        with fh, tarfile.open(fileobj=fh, mode="w") as tf:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o644
                tf.addfile(info, io.BytesIO(data))
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise
    return dest
