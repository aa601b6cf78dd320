"""Raw layer tars and images for the OCI reader tests, including hostile ones.

The project's writer refuses nothing, but it normalises names; hostile archives need
hand-made headers, so these helpers build tars with :mod:`tarfile` directly.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import zstandard

from unroot.oci.writer import REF_NAME, compress, default_config, layout_writer


def member(
    name: str,
    kind: bytes = tarfile.REGTYPE,
    data: bytes = b"",
    *,
    linkname: str = "",
    mode: int = 0o644,
    pax: dict[str, str] | None = None,
    dev: tuple[int, int] = (0, 0),
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.linkname = linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.devmajor, info.devminor = dev
    if pax:
        info.pax_headers = pax
    return info, data


def raw_tar(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def raw_header_tar(name: bytes, data: bytes = b"") -> bytes:
    """A ustar member whose name is stored exactly as given (tarfile would not mangle it,
    but this keeps the intent explicit), plus the end-of-archive blocks."""
    info = tarfile.TarInfo(name.decode())
    info.size = len(data)
    header = info.tobuf(format=tarfile.USTAR_FORMAT)
    pad = (-len(data)) % 512
    return header + data + bytes(pad) + bytes(1024)


def write_raw_image(
    dest: Path,
    layers: list[bytes],
    compression: str = "gzip",
    config: dict[str, object] | None = None,
    tag: str = "latest",
) -> Path:
    """An OCI layout whose layers are the given (uncompressed) tars."""
    with layout_writer(str(dest)) as w:
        blobs = [w.add_layer_stream(io.BytesIO(t), compression) for t in layers]
        manifest = w.add_image(config or default_config(), blobs)
        w.commit([manifest.descriptor(annotations={REF_NAME: tag})])
    return dest


def zstd_zero_bomb(uncompressed: int) -> bytes:
    """A zstd-compressed layer tar with one file of ``uncompressed`` zero bytes."""
    info = tarfile.TarInfo("zeros")
    info.size = uncompressed
    cobj = zstandard.ZstdCompressor(level=3).compressobj()
    out = [cobj.compress(info.tobuf(format=tarfile.PAX_FORMAT))]
    zeros = bytes(1 << 20)
    left = uncompressed
    while left > 0:
        step = min(left, len(zeros))
        out.append(cobj.compress(zeros[:step]))
        left -= step
    out.append(cobj.compress(bytes(1024)))
    out.append(cobj.flush())
    return b"".join(out)


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data)


__all__ = ["compress", "member", "raw_header_tar", "raw_tar", "write_raw_image", "zstd_zero_bomb"]


def write_blob_image(dest: Path, blobs: list[bytes], media_type: str) -> Path:
    """An OCI layout whose layer blobs are stored exactly as given."""
    with layout_writer(str(dest)) as w:
        layers = [w.add_raw_layer(b, media_type) for b in blobs]
        manifest = w.add_image(default_config(), layers)
        w.commit([manifest.descriptor(annotations={REF_NAME: "latest"})])
    return dest


def _sha(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_file(layout: Path, digest: str) -> Path:
    return layout / "blobs" / "sha256" / digest.partition(":")[2]


def rewrite_manifest(layout: Path, edit: object) -> None:
    """Apply ``edit(manifest_dict)`` and re-point index.json at the new manifest blob."""
    import json

    index = json.loads((layout / "index.json").read_text())
    desc = index["manifests"][0]
    manifest = json.loads(blob_file(layout, desc["digest"]).read_bytes())
    edit(manifest)  # type: ignore[operator]
    data = json.dumps(manifest).encode()
    blob_file(layout, _sha(data)).write_bytes(data)
    desc["digest"] = _sha(data)
    desc["size"] = len(data)
    (layout / "index.json").write_text(json.dumps(index))


def manifest_of(layout: Path) -> dict[str, object]:
    import json

    index = json.loads((layout / "index.json").read_text())
    result: dict[str, object] = json.loads(
        blob_file(layout, index["manifests"][0]["digest"]).read_bytes()
    )
    return result
