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
budget see exactly what a sequential scan sees. A worker holds only its own pipe (the
others' read ends are closed after the fork, so a worker the parent stops reading from
gets EPIPE), dies with the parent, and the parent watches every running worker: the
first error from any of them ends the scan at once.

A blob the manifest lists more than once is decoded once (within a tighter size limit)
and its entries are replayed for the repeats: ``n`` listings never cost ``n`` decodes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from unroot.errors import InputError, ToolError, UnrootError, UsageError
from unroot.oci.blobs import Source
from unroot.oci.cleanup import HELD, signals_held
from unroot.oci.config import startup_paths
from unroot.oci.decompress import DecodeBudget, LayerStream
from unroot.oci.limits import Limits
from unroot.oci.model import Image, ImageConfig, LayerInfo
from unroot.oci.tarstream import TarEntry, iter_tar
from unroot.oci.tree import Capture, TreeBuilder, clean_name, default_capture, over_budget

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


@dataclass(slots=True)
class _Plan:
    """Which layers are streamed and which replay an earlier listing of the same blob."""

    replay_of: dict[int, int]
    """Index of a repeated listing -> index of the blob's first listing."""
    kept: set[int]
    """First listings of repeated blobs: their entries are kept for the replays."""
    listings: dict[int, int]
    """First listing -> how often the manifest lists the blob."""

    @classmethod
    def of(cls, specs: list[LayerSpec]) -> _Plan:
        first: dict[tuple[str, str], int] = {}
        replay_of: dict[int, int] = {}
        listings: dict[int, int] = {}
        for index, spec in enumerate(specs):
            key = (spec.name, spec.info.digest)
            if key in first:
                replay_of[index] = first[key]
                listings[first[key]] += 1
            else:
                first[key] = index
                listings[index] = 1
        return cls(replay_of, {i for i, n in listings.items() if n > 1}, listings)

    def limits_for(self, index: int, limits: Limits) -> tuple[Limits, str]:
        """The decode limits of a streamed layer, and what to say when one is hit."""
        if index not in self.kept:
            return limits, "(decompression bomb?)"
        cap = min(limits.max_uncompressed, limits.max_repeated_layer_bytes)
        hint = (
            f"and the manifest lists it {self.listings[index]} times (limit for a repeated "
            "layer: UNROOT_MAX_REPEATED_LAYER_BYTES)"
        )
        return replace(limits, max_uncompressed=cap), hint


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
    builder = TreeBuilder(capture, limits=limits)
    specs = resolved.layers
    plan = _Plan.of(specs)
    budget = DecodeBudget(len(specs), limits.max_image_bytes)
    total = len(specs)
    workers = scan_workers([s for i, s in enumerate(specs) if i not in plan.replay_of])
    if workers > 1:
        _scan_parallel(builder, specs, plan, workers, progress, limits, budget)
    else:
        kept: dict[int, list[TarEntry]] = {}
        for index, spec in enumerate(specs):
            if progress is not None:
                progress(index, total, spec.info)
            source = plan.replay_of.get(index)
            if source is not None:
                _merge(builder, iter(kept[source]), spec, index)
                continue
            keep: list[TarEntry] | None = [] if index in plan.kept else None
            if keep is not None:
                kept[index] = keep
            scan_layer(builder, spec, index, limits, budget=budget, plan=plan, keep=keep)
    return Image(
        ref=resolved.ref,
        config=resolved.config,
        layers=[spec.info for spec in specs],
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
    builder: TreeBuilder,
    spec: LayerSpec,
    index: int,
    limits: Limits | None = None,
    *,
    budget: DecodeBudget | None = None,
    plan: _Plan | None = None,
    keep: list[TarEntry] | None = None,
) -> None:
    """Decode, parse, merge and verify one layer in a single pass over its bytes.

    ``keep`` collects the layer's entries (for a blob the manifest lists again)."""
    limits = limits or Limits.from_env()
    layer_limits, hint = plan.limits_for(index, limits) if plan else (limits, "")

    def consume(entries: Iterator[TarEntry]) -> None:
        source: Iterable[TarEntry] = entries if keep is None else _keeping(entries, keep)
        builder.apply(source, spec.info.digest, index)

    _stream_layer(spec, index, layer_limits, builder.want, builder.max_file, consume,
                  budget, hint)  # fmt: skip


def _keeping(entries: Iterator[TarEntry], keep: list[TarEntry]) -> Iterator[TarEntry]:
    for entry in entries:
        keep.append(entry)
        yield entry


def _stream_layer(
    spec: LayerSpec,
    index: int,
    limits: Limits,
    want: Callable[[str, int], bool],
    max_file: int,
    consume: Callable[[Iterator[TarEntry]], object],
    budget: DecodeBudget | None = None,
    limit_hint: str = "",
) -> None:
    raw, length = spec.source.open(spec.name)
    stream: LayerStream | None = None
    label = layer_label(spec, index)
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
            budget=budget,
            slot=index,
            limit_hint=limit_hint or "(decompression bomb?)",
        )
        consume(iter_tar(stream.chunks(), want=want, max_data=max_file))
        stream.finish()
    except InputError as exc:
        raise _labelled(exc, label) from None
    finally:
        if stream is not None:
            stream.close()
        raw.close()


def layer_label(spec: LayerSpec, index: int) -> str:
    """How errors name a layer: its position and the start of its digest."""
    digest = spec.info.digest
    short = digest[:19] if digest.startswith("sha256:") else (digest or spec.name)
    return f"layer {index + 1} ({short})"


def _labelled(exc: InputError, label: str) -> InputError:
    message = str(exc)
    return exc if message.startswith(label) else InputError(f"{label}: {message}")


def _merge(builder: TreeBuilder, entries: Iterator[TarEntry], spec: LayerSpec, index: int) -> None:
    """Merge entries a worker parsed (or a replay), naming the layer in any error."""
    try:
        builder.apply(entries, spec.info.digest, index, recheck_budget=True)
    except InputError as exc:
        raise _labelled(exc, layer_label(spec, index)) from None


# -- layers in worker processes ---------------------------------------------------------------
Row = tuple[
    str, bytes, int, int, int, int, str, "dict[str, bytes] | None", int, int, "bytes | None"
]


BATCH = 4096
"""Entries per pickled batch: the worker keeps its layer as compact pickles (~100 bytes per
entry), and the parent holds only one unpickled batch at a time while merging."""


def _layer_rows(
    builder: TreeBuilder,
    spec: LayerSpec,
    index: int,
    limits: Limits,
    budget: DecodeBudget,
    hint: str,
) -> list[bytes]:
    """In a worker: one layer's entries as pickled batches of plain tuples, content included
    where wanted.

    The worker cannot know the parent's capture budget when its turn comes, so it captures
    what the predicate selects within a budget of its own (``max_total`` for this layer,
    counting a re-captured path once) and the parent applies the real budget at merge time
    (:meth:`TreeBuilder.apply` with ``recheck_budget``). It bounds its own memory with the
    image's entry and name budgets (the parent checks them again over all layers).
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
    max_entries = limits.max_entries
    max_bytes = limits.max_path_bytes

    def consume(entries: Iterator[TarEntry]) -> None:
        rows: list[Row] = []
        append = rows.append
        nbytes = 0
        for count, e in enumerate(entries, 1):
            nbytes += len(e.name)
            if count > max_entries or nbytes > max_bytes:
                raise over_budget(limits, count > max_entries)
            append((e.name, e.type, e.mode, e.uid, e.gid, e.size, e.linkname, e.xattrs,
                    e.devmajor, e.devminor, e.data))  # fmt: skip
            if len(rows) >= BATCH:
                batches.append(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
                rows.clear()
        if rows:
            batches.append(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))

    _stream_layer(spec, index, limits, want, builder.max_file, consume, budget, hint)
    return batches


def _entries(batches: Iterable[list[Row]]) -> Iterator[TarEntry]:
    for rows in batches:
        for row in rows:
            yield TarEntry(*row)


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data


class _Worker:
    """One forked layer worker: its pid, the read end of its pipe, its status once read."""

    __slots__ = ("fh", "index", "pid", "status")

    def __init__(self, index: int, pid: int, fh: BinaryIO) -> None:
        self.index = index
        self.pid = pid
        self.fh = fh
        self.status: tuple[str, Any] | None = None

    def stop(self) -> None:
        """Close the pipe, kill the process if it still runs, and reap it."""
        with signals_held():
            self.fh.close()
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)


def _die_with_parent(parent: int) -> None:  # pragma: no cover - runs in the worker
    """Ask the kernel to SIGKILL this worker when the parent dies (Linux prctl)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request took effect


def _fork_layer(
    builder: TreeBuilder,
    spec: LayerSpec,
    index: int,
    limits: Limits,
    budget: DecodeBudget,
    hint: str,
    others: Iterable[_Worker],
) -> _Worker:
    """Start a worker for one layer. It writes, once the layer is done: a status frame
    (``ok`` with the batch count, or the error), then the batches; each frame is an 8-byte
    length and a pickle."""
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    inherited = [w.fh.fileno() for w in others]
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker; its results are checked by the parent
        code = 1
        try:
            # The worker inherits the parent's tree but never reads it: without the cyclic
            # GC walking those objects, their pages stay shared instead of being copied.
            gc.disable()
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)  # the fork may run held
            _die_with_parent(parent)
            os.close(read_fd)
            for fd in inherited:  # the other workers' pipes: only the parent reads them
                with contextlib.suppress(OSError):
                    os.close(fd)
            batches: list[bytes] = []
            status: tuple[str, Any]
            try:
                batches = _layer_rows(builder, spec, index, limits, budget, hint)
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
    return _Worker(index, pid, os.fdopen(read_fd, "rb"))


def _read_frame(worker: _Worker) -> bytes:
    fh = worker.fh
    size = int.from_bytes(fh.read(8) or b"\0" * 8, "little")
    data: bytes = fh.read(size)
    if len(data) != size or not size:
        raise ToolError(f"layer {worker.index + 1}: the worker process died without a result")
    return data


def _read_status(worker: _Worker) -> None:
    status = pickle.loads(_read_frame(worker))
    worker.status = status
    kind, value = status
    if kind == "error":
        raise value
    if kind != "ok":
        raise ToolError(f"layer {worker.index + 1}: the worker process failed: {value}")


def _await(worker: _Worker, running: dict[int, _Worker]) -> int:
    """Wait for ``worker``'s status; an error any running worker reports meanwhile ends
    the wait at once. Returns the worker's batch count."""
    while worker.status is None:
        waiting = [w for w in (worker, *running.values()) if w.status is None]
        ready, _, _ = select.select([w.fh for w in waiting], [], [])
        for w in waiting:
            if w.fh in ready:
                _read_status(w)
    count: int = worker.status[1]
    return count


def _batches(worker: _Worker, count: int, keep: list[bytes] | None) -> Iterator[list[Row]]:
    for _ in range(count):
        data = _read_frame(worker)
        if keep is not None:
            keep.append(data)
        yield pickle.loads(data)


def _scan_parallel(
    builder: TreeBuilder,
    specs: list[LayerSpec],
    plan: _Plan,
    workers: int,
    progress: Progress | None,
    limits: Limits,
    budget: DecodeBudget,
) -> None:
    """Scan layers in up to ``workers`` forked processes; merge them in order here."""
    running: dict[int, _Worker] = {}
    streamed = [i for i in range(len(specs)) if i not in plan.replay_of]
    next_start = 0
    kept: dict[int, list[bytes]] = {}
    total = len(specs)
    try:
        for index, spec in enumerate(specs):
            while next_start < len(streamed) and len(running) < workers:
                start = streamed[next_start]
                layer_limits, hint = plan.limits_for(start, limits)
                # Held so that a signal cannot land between the fork and the bookkeeping
                # that lets the cleanup below kill and reap this worker.
                with signals_held():
                    running[start] = _fork_layer(builder, specs[start], start, layer_limits,
                                                 budget, hint, running.values())  # fmt: skip
                next_start += 1
            if progress is not None:
                progress(index, total, spec.info)
            source = plan.replay_of.get(index)
            if source is not None:
                replay = (pickle.loads(b) for b in kept[source])
                _merge(builder, _entries(replay), spec, index)
                continue
            worker = running.pop(index)
            try:
                count = _await(worker, running)
                keep = kept.setdefault(index, []) if index in plan.kept else None
                batches = _batches(worker, count, keep)
                _merge(builder, _entries(batches), spec, index)
            finally:
                worker.stop()
    finally:
        for worker in running.values():
            worker.stop()
