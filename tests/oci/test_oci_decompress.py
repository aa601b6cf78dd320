"""Layer decoding: magic-byte detection, multi-member/multi-frame, truncation, bombs, digests."""

from __future__ import annotations

import gzip
import hashlib
import io
import os

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.errors import InputError, UsageError
from unroot.oci.decompress import OUT_CHUNK, LayerStream, Limits, sniff


@pytest.fixture(autouse=True, params=[False, True], ids=["inline", "threaded"])
def threaded(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run every test with the decoder inline and in its helper thread."""
    monkeypatch.setattr(LayerStream, "_default_threaded", request.param)
    return bool(request.param)


def decode(blob: bytes, **kw: object) -> bytes:
    stream = LayerStream(io.BytesIO(blob), **kw)  # type: ignore[arg-type]
    out = b"".join(stream.chunks())
    stream.finish()
    return out


PAYLOAD = os.urandom(300_000) + bytes(2_000_000) + b"tail" * 1000


@pytest.mark.parametrize(
    "blob",
    [
        gzip.compress(PAYLOAD),
        zstandard.ZstdCompressor().compress(PAYLOAD),
        PAYLOAD,
    ],
    ids=["gzip", "zstd", "none"],
)
def test_round_trip_and_chunk_bound(blob: bytes) -> None:
    stream = LayerStream(io.BytesIO(blob))
    chunks = list(stream.chunks())
    stream.finish()
    assert b"".join(chunks) == PAYLOAD
    assert max(len(c) for c in chunks) <= OUT_CHUNK


def test_media_type_does_not_override_magic() -> None:
    blob = zstandard.ZstdCompressor().compress(PAYLOAD)
    assert decode(blob, media_type="application/vnd.oci.image.layer.v1.tar+gzip") == PAYLOAD


def test_gzip_multi_member() -> None:
    parts = [b"a" * 100_000, os.urandom(50_000), b"c" * 10]
    assert decode(b"".join(gzip.compress(p) for p in parts)) == b"".join(parts)


def test_zstd_multi_frame_and_skippable() -> None:
    cctx = zstandard.ZstdCompressor(write_checksum=True)
    parts = [b"a" * 100_000, os.urandom(50_000)]
    skippable = b"\x50\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"hello"
    blob = cctx.compress(parts[0]) + skippable + cctx.compress(parts[1])
    assert decode(blob) == b"".join(parts)


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=1), kind=st.sampled_from(["gzip", "zstd"]), checksum=st.booleans())
def test_truncated_stream_is_input_error(cut: int, kind: str, checksum: bool) -> None:
    data = os.urandom(20_000) + b"z" * 200_000
    if kind == "gzip":
        blob = gzip.compress(data)
    else:
        blob = zstandard.ZstdCompressor(write_checksum=checksum).compress(data)
    cut = cut % (len(blob) - 1) + 1
    with pytest.raises(InputError, match=f"{kind}.*(truncated|corrupt)"):
        decode(blob[:cut])


def test_unsupported_compression() -> None:
    with pytest.raises(InputError, match="xz"):
        decode(b"\xfd7zXZ\x00" + bytes(100))
    assert sniff(b"\x1f\x8b\x08") == "gzip"
    assert sniff(b"ustar") == "none"


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_bomb_hits_total_limit(kind: str) -> None:
    data = bytes(8 << 20)
    blob = gzip.compress(data) if kind == "gzip" else zstandard.ZstdCompressor().compress(data)
    limits = Limits(max_uncompressed=2 << 20, max_ratio=10**9)
    with pytest.raises(InputError, match="decompression bomb"):
        decode(blob, limits=limits)


def test_bomb_hits_ratio_limit_early() -> None:
    blob = zstandard.ZstdCompressor().compress(bytes(64 << 20))
    limits = Limits(max_ratio=100, ratio_floor=1 << 20)
    stream = LayerStream(io.BytesIO(blob), limits=limits)
    with pytest.raises(InputError, match="expands more than 100x"):
        for _ in stream.chunks():
            pass
    # it stopped long before decoding everything
    assert stream.uncompressed < 8 << 20


def test_digest_and_size_verified_in_the_same_pass() -> None:
    blob = gzip.compress(PAYLOAD)
    good = "sha256:" + hashlib.sha256(blob).hexdigest()
    assert decode(blob, expected_digest=good, expected_size=len(blob)) == PAYLOAD
    bad = "sha256:" + "0" * 64
    with pytest.raises(InputError, match="digest mismatch"):
        decode(blob, expected_digest=bad, label="layer 1")
    with pytest.raises(InputError, match="size is"):
        decode(blob, expected_digest=good, expected_size=len(blob) + 1)


def test_finish_reads_what_the_consumer_left() -> None:
    blob = zstandard.ZstdCompressor().compress(PAYLOAD)
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    stream = LayerStream(io.BytesIO(blob), expected_digest=digest)
    next(iter(stream.chunks()))  # a tar reader that stopped at its end marker
    stream.finish()
    assert stream.compressed == len(blob)


def test_limits_from_environment() -> None:
    limits = Limits.from_env({"UNROOT_MAX_LAYER_BYTES": "1000", "UNROOT_MAX_LAYER_RATIO": " 7 "})
    assert (limits.max_uncompressed, limits.max_ratio) == (1000, 7)
    assert Limits.from_env({}) == Limits()
    for bad in ("x", "-1", "0"):
        with pytest.raises(UsageError, match="UNROOT_MAX_LAYER_BYTES"):
            Limits.from_env({"UNROOT_MAX_LAYER_BYTES": bad})


def test_gzip_bomb_under_environment_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNROOT_MAX_LAYER_BYTES", str(1 << 20))
    with pytest.raises(InputError, match="decompression bomb"):
        decode(gzip.compress(bytes(4 << 20)))
