"""Hostile image inputs, each as (builder, expected message pattern): all must be refused.

A builder makes an image under a directory and returns its reference. Shared by the
``open_image`` tests and the CLI tests, so both see exactly the same inputs.
"""

from __future__ import annotations

import gzip
import json
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

from unroot.oci.tarstream import MAX_META
from unroot.oci.writer import Entry, default_config, write_image

Builder = Callable[[Path], str]

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


CASES: dict[str, tuple[Builder, str]] = {
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
    "block-device": (
        _one_layer(member("dev/sda", tarfile.BLKTYPE, dev=(8, 0))),
        "device node 'dev/sda'",
    ),
    "char-device": (
        _one_layer(member("dev/mem", tarfile.CHRTYPE, dev=(1, 1))),
        "device node 'dev/mem'",
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
