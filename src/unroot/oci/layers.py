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


BATCH = 4096
"""Entries per pickled batch: the worker keeps its layer as compact pickles (~100 bytes per
entry), and the parent holds only one unpickled batch at a time while merging."""


def _layer_rows(builder: TreeBuilder, spec: LayerSpec, index: int, limits: Limits) -> list[bytes]:
    """In a worker: one layer's entries as pickled batches of plain tuples, content included
    where wanted.

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

    batches: list[bytes] = []

    def consume(entries: Iterator[TarEntry]) -> None:
        rows: list[Row] = []
        append = rows.append
        for e in entries:
            append((e.name, e.type, e.mode, e.uid, e.gid, e.size, e.linkname, e.xattrs,
                    e.devmajor, e.devminor, e.data))  # fmt: skip
            if len(rows) >= BATCH:
                batches.append(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
                rows.clear()
        if rows:
            batches.append(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))

    _stream_layer(spec, index, limits, want, builder.max_file, consume)
    return batches


def _entries(batches: Iterator[list[Row]]) -> Iterator[TarEntry]:
    for rows in batches:
        for row in rows:
            entry = TarEntry(*row[:10])
            entry.data = row[10]
            yield entry


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data


def _fork_layer(
    builder: TreeBuilder, spec: LayerSpec, index: int, limits: Limits
) -> tuple[int, int]:
    """Start a worker for one layer. It writes, once the layer is done: a status frame
    (``ok`` with the batch count, or the error), then the batches; each frame is an 8-byte
    length and a pickle."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker; its results are checked by the parent
        code = 1
        try:
            os.close(read_fd)
            batches: list[bytes] = []
            status: tuple[str, Any]
            try:
                batches = _layer_rows(builder, spec, index, limits)
                status = ("ok", len(batches))
            except UnrootError as exc:
                status = ("error", exc)
            except BaseException as exc:
                status = ("crash", f"{type(exc).__name__}: {exc}")
            try:
                head = pickle.dumps(status, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                head = pickle.dumps(("crash", f"unpicklable result: {exc}"))
                batches = []
            with os.fdopen(write_fd, "wb") as out:
                out.write(_frame(head))
                for batch in batches:
                    out.write(_frame(batch))
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _read_frame(fh: Any) -> bytes:
    size = int.from_bytes(fh.read(8) or b"\0" * 8, "little")
    data: bytes = fh.read(size)
    if len(data) != size or not size:
        raise RuntimeError("layer worker died without a result")
    return data


def _batches(fh: Any) -> Iterator[list[Row]]:
    """A worker's batches, one at a time; its error is raised before any entry."""
    status, value = pickle.loads(_read_frame(fh))
    if status == "error":
        raise value
    if status != "ok":
        raise RuntimeError(f"layer worker failed: {value}")
    for _ in range(value):
        yield pickle.loads(_read_frame(fh))


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
            fh = os.fdopen(read_fd, "rb")
            try:
                builder.apply(_entries(_batches(fh)), spec.info.digest, index, recheck_budget=True)
            finally:
                fh.close()  # a worker still writing gets EPIPE and exits
                os.waitpid(pid, 0)
    finally:
        for pid, read_fd in running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(read_fd)
            os.waitpid(pid, 0)
