"""Stream an image's layers once, in order, into a merged tree, and assemble the Image.

Readers (layout, archive) only resolve *what* to read: the config and a list of
:class:`LayerSpec`. This module does the one pass: open each blob, decode it
(:mod:`unroot.oci.decompress`), parse the tar (:mod:`unroot.oci.tarstream`), merge it
(:mod:`unroot.oci.tree`), then verify the blob's size and digest from the same pass.

Big multi-layer images are decoded and parsed two layers at a time in forked worker
processes (:func:`_scan_parallel`): one layer's decoding cannot be split, and threads would
share the GIL with the parser (measured: every GIL hand-over costs ~15 µs on the 2-core VMs
this runs on). Each worker streams its layer once and sends back the parsed entries; the
parent merges them strictly in layer order, so whiteouts, hardlink checks and the capture
budget see exactly what a sequential scan sees.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from unroot.errors import InputError, UnrootError, UsageError
from unroot.oci.blobs import Source
from unroot.oci.config import startup_paths
from unroot.oci.decompress import LayerStream, Limits
from unroot.oci.model import Image, ImageConfig, LayerInfo
from unroot.oci.tarstream import TarEntry, iter_tar
from unroot.oci.tree import Capture, TreeBuilder, clean_name, default_capture

PARALLEL_MIN = 64 << 20
"""Compressed bytes an image needs before layers are scanned in worker processes (below
this, forking costs more than it saves)."""

Progress = Callable[[int, int, LayerInfo], None]


@dataclass(slots=True)
class LayerSpec:
    """One layer to stream: where its bytes are and what they must hash to."""

    info: LayerInfo
    source: Source
    name: str
    """Path of the blob inside the source."""
    expected_digest: str = ""
    expected_size: int | None = None
    digest_of_uncompressed_only: bool = False
    """The digest is a diff_id: only checkable when the blob is stored uncompressed."""


@dataclass(slots=True)
class Resolved:
    """What a reader found: enough to build the Image without reading the layers yet."""

    ref: str
    config: ImageConfig
    layers: list[LayerSpec]
    manifest_digest: str = ""
    config_digest: str = ""
    platform: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def build_image(
    resolved: Resolved,
    *,
    progress: Progress | None = None,
    capture: Capture | None = None,
    limits: Limits | None = None,
) -> Image:
    """Stream every layer of ``resolved`` once and return the scanned Image."""
    if capture is None:
        capture = default_capture(startup_paths(resolved.config))
    if limits is None:
        limits = Limits.from_env()
    builder = TreeBuilder(capture)
    total = len(resolved.layers)
    workers = scan_workers(resolved.layers)
    if workers > 1:
        _scan_parallel(builder, resolved.layers, workers, progress, limits)
    else:
        for index, spec in enumerate(resolved.layers):
            if progress is not None:
                progress(index, total, spec.info)
            scan_layer(builder, spec, index, limits)
    return Image(
        ref=resolved.ref,
        config=resolved.config,
        layers=[spec.info for spec in resolved.layers],
        tree=builder.tree(),
        manifest_digest=resolved.manifest_digest,
        config_digest=resolved.config_digest,
        platform=resolved.platform,
    )


def scan_workers(layers: list[LayerSpec], environ: dict[str, str] | None = None) -> int:
    """How many layer worker processes to use: 1 (in-process) unless the image is big, has
    several layers, and the machine has several cores; ``UNROOT_SCAN_WORKERS`` overrides."""
    env = os.environ if environ is None else environ
    if len(layers) < 2 or not hasattr(os, "fork"):
        return 1
    text = env.get("UNROOT_SCAN_WORKERS", "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            raise UsageError(f"UNROOT_SCAN_WORKERS must be a whole number, not {text!r}") from None
        return max(1, min(value, len(layers)))
    if sum(max(spec.info.size, 0) for spec in layers) < PARALLEL_MIN:
        return 1
    return max(1, min(2, os.cpu_count() or 1, len(layers)))


def scan_layer(
    builder: TreeBuilder, spec: LayerSpec, index: int, limits: Limits | None = None
) -> None:
    """Decode, parse, merge and verify one layer in a single pass over its bytes."""
    _stream_layer(
        spec,
        index,
        limits,
        builder.want,
        builder.max_file,
        lambda entries: builder.apply(entries, spec.info.digest, index),
    )


def _stream_layer(
    spec: LayerSpec,
    index: int,
    limits: Limits | None,
    want: Callable[[str, int], bool],
    max_file: int,
    consume: Callable[[Iterator[TarEntry]], object],
) -> None:
    raw, length = spec.source.open(spec.name)
    stream: LayerStream | None = None
    digest = spec.info.digest
    short = digest[:19] if digest.startswith("sha256:") else (digest or spec.name)
    label = f"layer {index + 1} ({short})"
    try:
        stream = LayerStream(
            raw,
            media_type=spec.info.media_type,
            expected_digest=spec.expected_digest,
            expected_size=spec.expected_size,
            read_limit=length,
            limits=limits,
            label=label,
            digest_of_uncompressed_only=spec.digest_of_uncompressed_only,
        )
        consume(iter_tar(stream.chunks(), want=want, max_data=max_file))
        stream.finish()
    except InputError as exc:
        message = str(exc)
        if message.startswith(label):
            raise
        raise InputError(f"{label}: {message}") from None
    finally:
        if stream is not None:
            stream.close()
        raw.close()


# -- layers in worker processes ---------------------------------------------------------------
Row = tuple[
    str, bytes, int, int, int, int, str, "dict[str, bytes] | None", int, int, "bytes | None"
]


def _layer_rows(builder: TreeBuilder, spec: LayerSpec, index: int, limits: Limits) -> list[Row]:
    """In a worker: one layer's entries as plain tuples, content included where wanted.

    The worker cannot know the parent's capture budget when its turn comes, so it captures
    what the predicate selects within a budget of its own (``max_total`` for this layer,
    counting a re-captured path once) and the parent applies the real budget at merge time
    (:meth:`TreeBuilder.apply` with ``recheck_budget``).
    """
    capture = builder.capture
    max_total = builder.max_total
    taken: dict[str, int] = {}
    used = 0

    def want(name: str, size: int) -> bool:
        nonlocal used
        if capture is None or size > max_total:
            return False
        path = clean_name(name)
        if not capture(path, size):
            return False
        grown = used - taken.get(path, 0) + size
        if grown > max_total:
            return False
        taken[path] = size
        used = grown
        return True

    rows: list[Row] = []

    def consume(entries: Iterator[TarEntry]) -> None:
        append = rows.append
        for e in entries:
            append((e.name, e.type, e.mode, e.uid, e.gid, e.size, e.linkname, e.xattrs,
                    e.devmajor, e.devminor, e.data))  # fmt: skip

    _stream_layer(spec, index, limits, want, builder.max_file, consume)
    return rows


def _entries(rows: list[Row]) -> Iterator[TarEntry]:
    for row in rows:
        entry = TarEntry(*row[:10])
        entry.data = row[10]
        yield entry


def _fork_layer(
    builder: TreeBuilder, spec: LayerSpec, index: int, limits: Limits
) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker; its results are checked by the parent
        code = 1
        try:
            os.close(read_fd)
            result: tuple[str, Any]
            try:
                result = ("ok", _layer_rows(builder, spec, index, limits))
            except UnrootError as exc:
                result = ("error", exc)
            except BaseException as exc:
                result = ("crash", f"{type(exc).__name__}: {exc}")
            try:
                payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                payload = pickle.dumps(("crash", f"unpicklable result: {exc}"))
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect(pid: int, read_fd: int) -> Any:
    chunks: list[bytes] = []
    try:
        while data := os.read(read_fd, 1 << 20):
            chunks.append(data)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if not chunks:
        raise RuntimeError("layer worker died without a result")
    status, value = pickle.loads(b"".join(chunks))
    if status == "error":
        raise value
    if status != "ok":
        raise RuntimeError(f"layer worker failed: {value}")
    return value


def _scan_parallel(
    builder: TreeBuilder,
    specs: list[LayerSpec],
    workers: int,
    progress: Progress | None,
    limits: Limits,
) -> None:
    """Scan layers in up to ``workers`` forked processes; merge them in order here."""
    running: dict[int, tuple[int, int]] = {}
    started = 0
    total = len(specs)
    try:
        for index, spec in enumerate(specs):
            while started < total and len(running) < workers:
                running[started] = _fork_layer(builder, specs[started], started, limits)
                started += 1
            if progress is not None:
                progress(index, total, spec.info)
            pid, read_fd = running.pop(index)
            rows: list[Row] = _collect(pid, read_fd)
            builder.apply(_entries(rows), spec.info.digest, index, recheck_budget=True)
            del rows
    finally:
        for pid, read_fd in running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(read_fd)
            os.waitpid(pid, 0)
