"""Corrupted layer tars and blobs fail with InputError only: never another exception."""

from __future__ import annotations

import contextlib
import gzip
import io

import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unroot.errors import InputError
from unroot.oci.decompress import LayerStream, Limits
from unroot.oci.tarstream import iter_tar
from unroot.oci.tree import TreeBuilder, default_capture
from unroot.oci.writer import Entry, layer_tar

BASE = layer_tar(
    [
        Entry("etc", "dir"),
        Entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n"),
        Entry("usr/bin/su", data=b"x" * 700, mode=0o4755),
        Entry("usr/bin/ping", data=b"p", xattrs={"security.capability": bytes(20)}),
        Entry("usr/bin/sh", "symlink", linkname="busybox"),
        Entry("usr/bin/ln", "hardlink", linkname="usr/bin/su"),
        Entry("d/" + "long" * 60, data=b"long name"),
        Entry("opt", "opaque"),
        Entry("old", "whiteout"),
    ]
)

mutation = st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255))


def scan_bytes(data: bytes, chunk: int) -> None:
    builder = TreeBuilder(default_capture())
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    builder.apply(iter_tar(chunks, want=builder.want), "sha256:x", 0)
    builder.tree()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=6), st.sampled_from([1, 100, 512, 4096, 1 << 20]))
def test_mutated_tar_is_input_error_or_fine(muts: list[tuple[int, int]], chunk: int) -> None:
    data = bytearray(BASE)
    for offset, value in muts:
        data[offset] = value
    with contextlib.suppress(InputError):
        scan_bytes(bytes(data), chunk)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["gzip", "zstd"]),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
    st.booleans(),
)
def test_mutated_blob_is_input_error_or_fine(
    kind: str, muts: list[tuple[int, int]], threaded: bool
) -> None:
    blob = bytearray(gzip.compress(BASE) if kind == "gzip" else zstandard.compress(BASE))
    for offset, value in muts:
        blob[offset % len(blob)] = value
    stream = LayerStream(
        io.BytesIO(bytes(blob)), threaded=threaded, limits=Limits(max_uncompressed=1 << 22)
    )
    builder = TreeBuilder(default_capture())
    try:
        builder.apply(iter_tar(stream.chunks(), want=builder.want), "sha256:x", 0)
        stream.finish()
    except InputError:
        pass
    finally:
        stream.close()
