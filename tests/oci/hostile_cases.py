"""Hostile images, each as (builder, expected message pattern[, environment]).

A builder makes an image under a directory and returns its reference. Shared by the
``open_image`` tests and the CLI tests, so both see exactly the same inputs. Every case
must end in one clear error line within seconds and bounded memory; the CLI test checks
both (``test_hostile_cli.py``).

Classes: hostile names and links; broken or odd compression and JSON; tar headers that
readers disagree on (PAX global records, two extended headers for one entry, a bad
checksum past the first header, unknown types); what the runtime refuses to extract
(hardlinks out of the layer, duplicate paths, owners past 32 bits); special files where
blobs or archives belong (FIFOs, devices, symlinks out of the layout); and budgets
(decoded bytes, a blob listed many times, tar entries, name bytes, path length and depth,
a huge WorkingDir, tens of thousands of long PAX names).
"""

from __future__ import annotations

import gzip
import json
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import zstandard
from ocikit import (
    blob_file,
    manifest_of,
    member,
    raw_tar,
    rewrite_manifest,
    write_blob_image,
    write_raw_image,
    zstd_zero_bomb,
)
from tarcraft import GNU, Header, Member, archive, meta, pax, regular

from unroot.oci.tarstream import MAX_META
from unroot.oci.writer import Entry, default_config, write_image

Builder = Callable[[Path], str]
Case = tuple[Builder, str] | tuple[Builder, str, dict[str, str]]

GZIP_TAR = "application/vnd.oci.image.layer.v1.tar+gzip"
ZSTD_TAR = "application/vnd.oci.image.layer.v1.tar+zstd"


def _one_layer(*members: tuple[tarfile.TarInfo, bytes]) -> Builder:
    def build(root: Path) -> str:
        base = [
            member("etc", tarfile.DIRTYPE),
            member("etc/passwd", data=b"root:x:0:0::/:/bin/sh\n"),
        ]
        return f"oci:{write_raw_image(root / 'img', [raw_tar([*base, *members])])}"

    return build


def _good_image(root: Path) -> Path:
    dest = root / "img"
    write_image(str(dest), [[Entry("etc/passwd", data=b"root:x:0:0::/:/bin/sh\n")]])
    return dest


def _truncated(kind: str) -> Builder:
    def build(root: Path) -> str:
        tar = raw_tar([member("big", data=bytes(range(256)) * 4000)])
        if kind == "gzip":
            blob, media = gzip.compress(tar), GZIP_TAR
        else:
            blob, media = zstandard.ZstdCompressor().compress(tar), ZSTD_TAR
        return f"oci:{write_blob_image(root / 'img', [blob[: len(blob) // 2]], media)}"

    return build


def _bomb(root: Path) -> str:
    return f"oci:{write_blob_image(root / 'img', [zstd_zero_bomb(768 << 20)], ZSTD_TAR)}"


def _bad_index(text: bytes) -> Builder:
    def build(root: Path) -> str:
        dest = _good_image(root)
        (dest / "index.json").write_bytes(text)
        return f"oci:{dest}"

    return build


def _edit_manifest(edit: Callable[[dict[str, object]], None]) -> Builder:
    def build(root: Path) -> str:
        dest = _good_image(root)
        rewrite_manifest(dest, edit)
        return f"oci:{dest}"

    return build


def _bad_manifest_blob(root: Path) -> str:
    dest = _good_image(root)
    index = json.loads((dest / "index.json").read_text())
    data = b"\x00 definitely not json"
    import hashlib

    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blob_file(dest, digest).write_bytes(data)
    index["manifests"][0].update(digest=digest, size=len(data))
    (dest / "index.json").write_text(json.dumps(index))
    return f"oci:{dest}"


def _bad_config(config_bytes: bytes) -> Builder:
    def build(root: Path) -> str:
        dest = _good_image(root)
        import hashlib

        digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
        blob_file(dest, digest).write_bytes(config_bytes)

        def edit(m: dict[str, object]) -> None:
            m["config"] = {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": digest, "size": len(config_bytes)}  # fmt: skip

        rewrite_manifest(dest, edit)
        return f"oci:{dest}"

    return build


def _layer_digest_mismatch(root: Path) -> str:
    dest = _good_image(root)
    layers = manifest_of(dest)["layers"]
    assert isinstance(layers, list)
    real = layers[0]["digest"]
    fake = "sha256:" + "1" * 64
    blob_file(dest, real).rename(blob_file(dest, fake))

    def edit(m: dict[str, object]) -> None:
        m["layers"][0]["digest"] = fake  # type: ignore[index]

    rewrite_manifest(dest, edit)
    return f"oci:{dest}"


def _blob_path_traversal(root: Path) -> str:
    dest = _good_image(root)

    def edit(m: dict[str, object]) -> None:
        m["layers"][0]["digest"] = "sha256:../../../../etc/passwd"  # type: ignore[index]

    rewrite_manifest(dest, edit)
    return f"oci:{dest}"


CASES: dict[str, Case] = {
    "dotdot-path": (_one_layer(member("../../etc/evil", data=b"x")), "climbs above the root"),
    "dotdot-inside": (_one_layer(member("etc/../../evil", data=b"x")), "climbs above the root"),
    "absolute-path": (_one_layer(member("/etc/evil", data=b"x")), "absolute path"),
    "symlink-outside": (
        _one_layer(member("etc/x", tarfile.SYMTYPE, linkname="../../../etc/shadow")),
        "points outside",
    ),
    "hardlink-outside": (
        _one_layer(member("etc/x", tarfile.LNKTYPE, linkname="../../etc/shadow")),
        "points outside",
    ),
    "hardlink-absolute": (
        _one_layer(member("etc/x", tarfile.LNKTYPE, linkname="/etc/shadow")),
        "absolute target",
    ),
    "oversized-pax": (
        _one_layer(member("x", pax={"comment": "y" * (MAX_META + 1)})),
        "PAX header of .* exceeds",
    ),
    "truncated-gzip": (_truncated("gzip"), "gzip stream is truncated"),
    "truncated-zstd": (_truncated("zstd"), "zstd stream is truncated"),
    "decompression-bomb": (_bomb, "decompression bomb|expands more than"),
    "index-not-json": (_bad_index(b"{not json"), "index.json is not valid JSON"),
    "index-wrong-type": (_bad_index(b'{"manifests": {"a": 1}}'), "'manifests' is not a list"),
    "index-huge": (_bad_index(b" " * (5 << 20) + b"{}"), "limit"),
    "manifest-not-json": (_bad_manifest_blob, "manifest is not valid JSON"),
    "manifest-layers-wrong": (
        _edit_manifest(lambda m: m.update(layers="oops")),
        "'layers' is not a list",
    ),
    "manifest-no-config": (_edit_manifest(lambda m: m.pop("config")), "has no 'config'"),
    "manifest-blob-traversal": (_blob_path_traversal, "invalid digest"),
    "config-not-json": (_bad_config(b"[[["), "config is not valid JSON"),
    "config-wrong-types": (
        _bad_config(json.dumps(default_config(Env="PATH=/bin", User=0)).encode()),
        "'User' is not a string",
    ),
    "layer-digest-mismatch": (_layer_digest_mismatch, "digest mismatch"),
}


# -- tar headers readers disagree on, and what the runtime refuses to extract --------------------


def _raw_layers(*layers: bytes, config: dict[str, object] | None = None) -> Builder:
    def build(root: Path) -> str:
        return f"oci:{write_raw_image(root / 'img', list(layers), config=config)}"

    return build


def _evil(name: bytes = b"usr/bin/evil") -> Member:
    return Member(Header(name, b"0", size=4, mode=0o4755), b"evil")


def _bad_second_checksum() -> bytes:
    return archive(regular(b"etc/ok", b"x"), Member(Header(b"usr/bin/evil", spoil_checksum=True)))


_DEEP = "/".join(["d"] * 2100)  # 4199 bytes: past PATH_MAX


def _deep_paths_and_whiteout(root: Path) -> str:
    """Thousands of entries at a depth no extractor reaches, then a whiteout above them."""
    members = [member(f"{_DEEP}/{i}", data=b"") for i in range(2000)]
    return _raw_layers(raw_tar(members), raw_tar([member("d/.wh.d", data=b"")]))(root)


def _long_pax_names(root: Path) -> str:
    """Members with 58 KB PAX names (an image of 60,000 of them is 9 MB gzipped). The first
    is refused before the next is read, so 2,000 behave as 60,000 and build faster."""
    name = "/".join(["n" * 200] * 290)
    members = [member(f"{name}{i}", pax={"path": f"{name}{i}"}) for i in range(2000)]
    blob = gzip.compress(raw_tar(members), compresslevel=1)
    return f"oci:{write_blob_image(root / 'img', [blob], GZIP_TAR)}"


def _zero_gzip(size: int, head: bytes) -> bytes:
    """A gzip layer: ``head``, then ``size`` zero bytes, built from repeated members (cheap
    to make, and a valid multi-member gzip stream)."""
    step = 64 << 20
    block = gzip.compress(bytes(step), compresslevel=1)
    parts = [gzip.compress(head, compresslevel=1)]
    left = size
    while left >= step:
        parts.append(block)
        left -= step
    parts.append(gzip.compress(bytes(left), compresslevel=1))
    return b"".join(parts)


def _zeros_layer(size: int) -> bytes:
    info = tarfile.TarInfo("zeros")
    info.size = size - 512 - 1024
    return _zero_gzip(size - 512, info.tobuf(format=tarfile.USTAR_FORMAT))


def _blob_listed(times: int, size: int) -> Builder:
    """One gzip layer (``size`` bytes of tar, almost all zeros) listed ``times`` times."""

    def build(root: Path) -> str:
        dest = write_blob_image(root / "img", [_zeros_layer(size)], GZIP_TAR)

        def edit(m: dict[str, object]) -> None:
            layers = m["layers"]
            assert isinstance(layers, list)
            m["layers"] = layers * times

        rewrite_manifest(dest, edit)
        return f"oci:{dest}"

    return build


def _many_entries(count: int) -> Builder:
    return _raw_layers(raw_tar([member(f"f{i}", data=b"") for i in range(count)]))


def _special_blob(kind: str) -> Builder:
    """A layout whose layer blob is a FIFO, or a symlink to a FIFO or to /dev/zero."""

    def build(root: Path) -> str:
        dest = _good_image(root)
        layers = manifest_of(dest)["layers"]
        assert isinstance(layers, list)
        blob = blob_file(dest, layers[0]["digest"])
        blob.unlink()
        if kind == "fifo":
            os.mkfifo(blob)
        elif kind == "link-fifo":
            os.mkfifo(dest / "fifo")
            blob.symlink_to("../../fifo")
        else:
            blob.symlink_to("/dev/zero")
        return f"oci:{dest}"

    return build


def _special_archive(kind: str) -> Builder:
    def build(root: Path) -> str:
        if kind == "fifo":
            path = root / "archive.tar"
            os.mkfifo(path)
            return f"oci-archive:{path}"
        return "docker-archive:/dev/zero"

    return build


CASES.update(
    {
        "global-pax-size-hides-setuid": (
            _raw_layers(archive(pax([(b"size", b"512")], global_=True), regular(b"ok"), _evil())),
            "PAX global header sets 'size'",
        ),
        "global-pax-path": (
            _raw_layers(archive(pax([(b"path", b"etc/ok")], global_=True), _evil())),
            "PAX global header sets 'path'",
        ),
        "two-pax-headers": (
            _raw_layers(
                archive(
                    Member(Header(b"ok"), extra=[pax([(b"path", b"a")]), pax([(b"path", b"b")])])
                )
            ),
            "two PAX headers for one tar entry",
        ),
        "two-gnu-long-names": (
            _raw_layers(
                archive(
                    Member(Header(b"ok", magic=GNU), extra=[meta(b"L", b"a\0"), meta(b"L", b"b\0")])
                )
            ),
            "two GNU long-name headers",
        ),
        "pax-then-global": (
            _raw_layers(
                archive(pax([(b"path", b"a")]), pax([(b"comment", b"c")], global_=True), _evil())
            ),
            "global header follows an entry's extended header",
        ),
        "bad-checksum-past-first-header": (
            _raw_layers(_bad_second_checksum()),
            "checksum mismatch",
        ),
        "zero-block-then-data": (
            _raw_layers(archive(regular(b"ok"), end=bytes(512) + _evil().encode() + bytes(1024))),
            "zero block is followed by data",
        ),
        "unknown-type": (
            _raw_layers(archive(Member(Header(b"usr/bin/evil", b"7", size=1, mode=0o4755), b"e"))),
            "runtimes refuse to extract",
        ),
        "old-gnu-sparse": (
            _raw_layers(archive(Member(Header(b"usr/bin/evil", b"S", size=1, magic=GNU), b"e"))),
            "runtimes refuse to extract",
        ),
        "owner-past-32-bits": (
            _one_layer(member("usr-evil", mode=0o4755, pax={"uid": str(2**32)})),
            "outside 0..4294967294",
        ),
        "hardlink-to-lower-layer": (
            _raw_layers(
                raw_tar([member("t", data=b"x")]),
                raw_tar([member("l", tarfile.LNKTYPE, linkname="t")]),
            ),
            "which this layer does not contain",
        ),
        "duplicate-path": (
            _raw_layers(archive(regular(b"f", mode=0o4755), regular(b"f"))),
            "two entries for 'f'",
        ),
        "whiteout-after-add": (
            _raw_layers(archive(regular(b"f"), regular(b".wh.f"))),
            "whites out 'f' after adding it",
        ),
        "below-same-layer-symlink": (
            _raw_layers(
                archive(
                    Member(Header(b"l", b"2", linkname=b"usr/bin")), regular(b"l/evil", mode=0o4755)
                )
            ),
            "below 'l', a symlink",
        ),
        "name-component-too-long": (
            _one_layer(member("x" * 300, pax={"path": "x" * 300})),
            "longer than 255",
        ),
        "name-too-long": (_one_layer(member(_DEEP, pax={"path": _DEEP})), "PATH_MAX"),
        "deep-paths-and-whiteout": (_deep_paths_and_whiteout, "PATH_MAX"),
        "long-pax-names": (_long_pax_names, "PATH_MAX"),
        "huge-working-dir": (
            _raw_layers(
                raw_tar([member("etc/ok")]), config=default_config(WorkingDir="/w" * 1_000_000)
            ),
            "WorkingDir is 2000000 bytes",
        ),
        "fifo-blob": (_special_blob("fifo"), "is a FIFO, not a regular file"),
        "blob-symlink-to-fifo": (_special_blob("link-fifo"), "is a FIFO, not a regular file"),
        "blob-symlink-out-of-layout": (_special_blob("dev-zero"), "symlink that leaves the layout"),
        "fifo-archive": (_special_archive("fifo"), "is a FIFO, not a regular file"),
        "device-archive": (_special_archive("device"), "is a character device"),
        "blob-listed-1000-times": (_blob_listed(1000, 128 << 20), "lists it 1000 times"),
        "image-decodes-past-budget": (
            _blob_listed(1, 48 << 20),
            "image decompresses to more than",
            {"UNROOT_MAX_IMAGE_BYTES": str(32 << 20)},
        ),
        "too-many-entries": (
            _many_entries(3000),
            "more than 2000 tar entries",
            {"UNROOT_MAX_ENTRIES": "2000"},
        ),
        "too-many-name-bytes": (
            _many_entries(3000),
            "names add up to more than 10000 bytes",
            {"UNROOT_MAX_PATH_BYTES": "10000"},
        ),
    }
)
