"""Streaming layer decoders: gzip (python-isal), zstd (zstandard) or none, picked by magic bytes.

Why magic bytes win over the media type: ``docker save`` calls every layer ``layer.tar`` and
some registries label zstd layers as gzip; the first four bytes never lie. A media type that
names an unsupported compression with no recognised magic is rejected.

A :class:`LayerStream` reads the compressed blob once, in 256 KiB chunks. In the same pass it
hashes the compressed bytes (the layer digest is checked at :meth:`LayerStream.finish`, no
second read) and counts them (the declared size is checked too). Output is handed out in
pieces of at most :data:`OUT_CHUNK` bytes, so memory stays bounded whatever the ratio.

Threads: decoding and parsing stay in the caller's thread; only the sha256 of the compressed
bytes runs in a helper thread (hashlib releases the GIL for the whole update, so the helper
needs the GIL only to fetch the next chunk). Measured on 2 cores, this beat decoding in a
helper thread: a decoder thread must take the GIL back after every C call while the parser
holds it, and those waits cost more than the hashing it moved off the critical path.

Bomb guard (:class:`~unroot.oci.limits.Limits`): a cap on the uncompressed bytes of one
layer, a cap on the ratio uncompressed/compressed that applies once the output passed
``ratio_floor`` bytes, so a bomb fails within a second instead of grinding through
gigabytes, and a cap on the bytes decoded for the whole image (:class:`DecodeBudget`,
shared with the layer worker processes).

Truncation: gzip must end at a member boundary (isal reports ``eof``); zstd streams are
checked by walking the frame and block headers of the compressed bytes (zstandard's streaming
reader returns a short read on a cut frame instead of failing).
"""

from __future__ import annotations

import hashlib
import mmap
import queue
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

import isal.isal_zlib as isal_zlib
import zstandard

from unroot.errors import InputError
from unroot.oci.limits import Limits

_IsalError = cast("type[Exception]", isal_zlib.error)  # the stub mistypes it
IN_CHUNK = 256 * 1024
OUT_CHUNK = 1024 * 1024
ZSTD_OUT_CHUNK = 256 * 1024
"""zstd output pieces: small enough to stay in cache between decoder and parser (measured a
little faster than 1 MiB); gzip keeps 1 MiB, as a smaller cap makes isal copy its input."""
HASH_BLOCK = 2 * 1024 * 1024
"""The blob is read in blocks of this size; each block is hashed in one call (one GIL
hand-over per block instead of per decoder chunk) and handed to the decoder in IN_CHUNK
slices without a copy."""
HASH_QUEUE_DEPTH = 4
"""Blocks waiting for the hashing thread (bounds memory when reading outruns it)."""
THREAD_MIN = 4 * 1024 * 1024
"""Blobs above this size are hashed in a helper thread."""

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_OTHER_MAGIC = {
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x04\x22\x4d\x18": "lz4",
}


BUDGET_STEP = 16 << 20
"""A layer reports its decoded bytes to the image budget every this many bytes, so all
layers together overshoot the image limit by at most this much per running layer."""


class DecodeBudget:
    """Bytes decoded for one image, summed over its layers, also across the forked layer
    worker processes: each layer writes its own counter into an anonymous shared mapping
    (created before the fork, so parent and workers see the same pages) and reads the sum."""

    def __init__(self, layers: int, limit: int) -> None:
        self.limit = limit
        self._map = mmap.mmap(-1, 8 * max(layers, 1))
        self._counts = memoryview(self._map).cast("Q")

    def report(self, slot: int, decoded: int) -> None:
        """Record ``decoded`` bytes for layer ``slot``; raise once the image is over."""
        counts = self._counts
        if 0 <= slot < len(counts):
            counts[slot] = decoded
        if sum(counts) > self.limit:
            raise InputError(
                f"image decompresses to more than {self.limit} bytes (limit UNROOT_MAX_IMAGE_BYTES)"
            )


def sniff(head: bytes, media_type: str = "") -> str:
    """Which decoder a blob needs: "gzip", "zstd" or "none"."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    for magic, name in ((GZIP_MAGIC, "gzip"), (ZSTD_MAGIC, "zstd")):
        if len(head) < len(magic) and head and magic.startswith(head):
            # Too short to be a tar (or anything else): a stream cut inside its magic.
            raise InputError(f"{name} stream is truncated")
    for magic, name in _OTHER_MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"layer is {name}-compressed, which OCI images do not use")
    lowered = media_type.lower()
    for name in ("bzip2", "xz", "lz4"):
        if lowered.endswith("+" + name):
            raise InputError(f"unsupported layer media type {media_type}")
    return "none"


_WALK_NEED = (4, 1, 0, 3, 4)
"""Header bytes the frame walker needs in each state (state 2 varies per frame)."""


class _ZstdFrameWalker:
    """Tracks zstd frame/block boundaries over the compressed bytes, to detect truncation."""

    __slots__ = ("_checksum", "_frame_header_rest", "_hdr", "_skip", "_state")

    # states: 0 = expect frame magic, 1 = frame header descriptor, 2 = rest of frame header,
    # 3 = block header, 4 = skippable frame size
    def __init__(self) -> None:
        self._state = 0
        self._skip = 0
        self._hdr = b""
        self._frame_header_rest = 0
        self._checksum = False

    def feed(self, data: bytes) -> None:
        pos = 0
        end = len(data)
        while pos < end:
            if self._skip:
                step = min(self._skip, end - pos)
                self._skip -= step
                pos += step
                continue
            state = self._state
            if state == 3 and pos + 3 <= end and not self._hdr:
                # The common case, once per block (~10,000 per GB): a whole block header
                # inside this piece, parsed in place.
                value = int.from_bytes(data[pos : pos + 3], "little")
                pos += 3
                btype = (value >> 1) & 3
                if btype == 3:
                    raise InputError("zstd stream has a reserved block type (corrupt)")
                skip = 1 if btype == 1 else value >> 3
                if value & 1:
                    skip += 4 if self._checksum else 0
                    self._state = 0
                self._skip = skip
                continue
            need = self._frame_header_rest if state == 2 else _WALK_NEED[state]
            take = min(need - len(self._hdr), end - pos)
            self._hdr += data[pos : pos + take]
            pos += take
            if len(self._hdr) < need:
                return
            hdr, self._hdr = self._hdr, b""
            self._advance(hdr)

    def _advance(self, hdr: bytes) -> None:
        state = self._state
        if state == 0:
            if hdr == ZSTD_MAGIC:
                self._state = 1
            elif hdr[1:] == b"\x2a\x4d\x18" and hdr[0] & 0xF0 == 0x50:
                self._state = 4
            else:
                raise InputError("zstd stream has garbage between frames")
        elif state == 1:
            fhd = hdr[0]
            single = bool(fhd & 0x20)
            fcs_flag = fhd >> 6
            fcs = (1 if single else 0, 2, 4, 8)[fcs_flag]
            did = (0, 1, 2, 4)[fhd & 3]
            self._checksum = bool(fhd & 4)
            rest = (0 if single else 1) + did + fcs
            if rest:
                self._frame_header_rest = rest
                self._state = 2
            else:
                self._state = 3
        elif state == 2:
            self._state = 3
        elif state == 3:
            value = int.from_bytes(hdr, "little")
            last = value & 1
            btype = (value >> 1) & 3
            bsize = value >> 3
            if btype == 3:
                raise InputError("zstd stream has a reserved block type (corrupt)")
            self._skip = 1 if btype == 1 else bsize
            if last:
                self._skip += 4 if self._checksum else 0
                self._state = 0
        elif state == 4:
            self._skip = int.from_bytes(hdr, "little")
            self._state = 0

    @property
    def at_boundary(self) -> bool:
        return self._state == 0 and not self._skip and not self._hdr


class _HashingSource:
    """File-like wrapper that counts what the decoder reads and hashes/walks it.

    With :meth:`start_hasher` the sha256 runs in a helper thread fed through a bounded
    queue; the zstd frame walk (cheap, and it raises on corrupt input) stays in the reader's
    thread. :meth:`stop_hasher` drains the queue, so the digest is complete afterwards and
    later reads are hashed inline, in order.
    """

    def __init__(self, src: BinaryIO, hasher: hashlib._Hash | None, limit: int | None) -> None:
        self.src = src
        self.hasher = hasher
        self.count = 0
        self.limit = limit
        self.walker: _ZstdFrameWalker | None = None
        self._holding = False
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None
        self._block = memoryview(b"")
        self._pos = 0
        self._held: bytes | None = None

    def start_hasher(self) -> None:
        hasher = self.hasher
        if hasher is None or self._thread is not None:
            return
        q: queue.Queue[bytes | None] = queue.Queue(maxsize=HASH_QUEUE_DEPTH)

        def work() -> None:
            update = hasher.update
            get = q.get
            while (data := get()) is not None:
                update(data)

        self._queue = q
        self._thread = threading.Thread(target=work, name="unroot-layer-hash", daemon=True)
        self._thread.start()

    def stop_hasher(self) -> None:
        thread, q = self._thread, self._queue
        if thread is None or q is None:
            return
        self._queue = None
        self._thread = None
        q.put(None)
        thread.join()

    def read_head(self, n: int) -> bytes:
        """Read without hashing yet: :meth:`accept` the block once the walker is known."""
        self._holding = True
        try:
            return bytes(self.read(n))
        finally:
            self._holding = False

    def accept(self) -> None:
        """Hash (and walk) the block :meth:`read_head` read."""
        held, self._held = self._held, None
        if held is not None:
            self._sink(held)

    def read(self, n: int = -1) -> bytes | memoryview:
        """Up to ``n`` bytes (a view into the current block: use it before the next read)."""
        block = self._block
        pos = self._pos
        if pos >= len(block):
            size = HASH_BLOCK if n < 0 or n <= HASH_BLOCK else n
            if self.limit is not None:
                left = self.limit - self.count
                if left <= 0:
                    return b""
                size = min(size, left)
            data = self.src.read(size)
            if not data:
                return b""
            self.count += len(data)
            if self._holding:
                self._held = data
            else:
                self._sink(data)
            block = self._block = memoryview(data)
            pos = 0
        end = len(block) if n < 0 else min(len(block), pos + n)
        self._pos = end
        return block[pos:end]

    def _sink(self, data: bytes) -> None:
        if self._queue is not None:
            self._queue.put(data)
        elif self.hasher is not None:
            self.hasher.update(data)
        if self.walker is not None:
            self.walker.feed(data)


class LayerStream:
    """One pass over a (possibly compressed) layer blob: uncompressed chunks out, then verify.

    ``expected_digest`` ("sha256:..."), when given, is checked against the compressed bytes;
    ``expected_size`` against their count. ``read_limit`` stops reading at that many bytes
    (an archive member's end). ``label`` names the layer in error messages. With
    ``digest_of_uncompressed_only`` the digest is a diff_id (docker-archive), checked only when
    the blob turns out to be stored uncompressed.
    """

    _default_threaded: bool | None = None
    """Tests pin this to run both hashing paths (inline and in the helper thread)."""

    def __init__(
        self,
        src: BinaryIO,
        *,
        media_type: str = "",
        expected_digest: str = "",
        expected_size: int | None = None,
        read_limit: int | None = None,
        limits: Limits | None = None,
        label: str = "layer",
        digest_of_uncompressed_only: bool = False,
        threaded: bool | None = None,
        budget: DecodeBudget | None = None,
        slot: int = -1,
        limit_hint: str = "(decompression bomb?)",
    ) -> None:
        hasher = None
        self._algo = ""
        if expected_digest:
            algo, _, hexpart = expected_digest.partition(":")
            if algo not in ("sha256", "sha512") or not hexpart:
                raise InputError(f"{label}: unsupported digest {expected_digest!r}")
            self._algo = algo
            hasher = hashlib.new(algo)
        self._src = _HashingSource(src, hasher, read_limit)
        self._media_type = media_type
        self._expected_digest = expected_digest
        self._expected_size = expected_size
        self._limits = limits or Limits.from_env()
        self._label = label
        self._digest_if_plain = digest_of_uncompressed_only
        self.uncompressed = 0
        self._budget = budget
        self._slot = slot
        self._next_report = BUDGET_STEP if budget is not None else 1 << 62
        self._limit_hint = limit_hint
        self.kind = ""
        self._decoded = False
        self._gen: Iterator[bytes] | None = None
        if threaded is None:
            threaded = self._default_threaded
        if threaded is None:
            threaded = read_limit is None or read_limit > THREAD_MIN
        self._threaded = threaded

    # -- decoding -----------------------------------------------------------------------
    def chunks(self) -> Iterator[bytes]:
        """Uncompressed data in chunks of at most OUT_CHUNK bytes."""
        self._gen = self._decode()
        return self._gen

    def _start(self) -> bytes:
        src = self._src
        head = src.read_head(IN_CHUNK)
        self.kind = sniff(head, self._media_type)
        if self.kind == "zstd":
            src.walker = _ZstdFrameWalker()
        src.accept()
        return head

    def _decode(self) -> Iterator[bytes]:
        if self._threaded:
            self._src.start_hasher()
        try:
            head = self._start()
            if self.kind == "gzip":
                yield from self._gzip(head)
            elif self.kind == "zstd":
                yield from self._zstd(head)
            else:
                yield from self._plain(head)
            self._decoded = True
            self._check_complete()
            self._report()
        finally:
            # Whatever finish() reads after this is hashed inline, after the queued chunks.
            self._src.stop_hasher()

    def _check_complete(self) -> None:
        if self._decoded and self.kind == "zstd":
            walker = self._src.walker
            if walker is not None and not walker.at_boundary:
                raise InputError(f"{self._label}: zstd stream is truncated")

    def _account(self, n: int) -> None:
        self.uncompressed += n
        limits = self._limits
        if self.uncompressed > limits.max_uncompressed:
            raise InputError(
                f"{self._label} decompresses to more than {limits.max_uncompressed} bytes "
                + self._limit_hint
            )
        if self.uncompressed >= self._next_report:
            self._next_report += BUDGET_STEP
            self._report()
        if self.uncompressed > limits.ratio_floor and self.uncompressed > limits.max_ratio * max(
            self._src.count, 1
        ):
            raise InputError(
                f"{self._label} expands more than {limits.max_ratio}x (decompression bomb?)"
            )

    def _report(self) -> None:
        if self._budget is not None:
            try:
                self._budget.report(self._slot, self.uncompressed)
            except InputError as exc:
                raise InputError(f"{self._label}: {exc}") from None

    def _plain(self, head: bytes) -> Iterator[bytes]:
        data = head
        read = self._src.read
        while data:
            self._account(len(data))
            yield data
            data = bytes(read(IN_CHUNK))

    def _gzip(self, head: bytes) -> Iterator[bytes]:
        read = self._src.read
        decomp = isal_zlib.decompressobj(wbits=31)
        data: bytes | memoryview = head
        in_member = True
        trailing = False
        while data:
            while data and not trailing:
                if not in_member:
                    if not GZIP_MAGIC.startswith(bytes(data[:2])):
                        # Not a new member: padding or garbage after the last one. The digest
                        # covers it; decoding stops here.
                        trailing = True
                        break
                    decomp = isal_zlib.decompressobj(wbits=31)
                    in_member = True
                try:
                    out = decomp.decompress(data, OUT_CHUNK)
                except _IsalError as exc:
                    raise InputError(f"{self._label}: corrupt gzip data ({exc})") from None
                if out:
                    self._account(len(out))
                    yield out
                if decomp.eof:
                    in_member = False
                    data = decomp.unused_data
                else:
                    data = decomp.unconsumed_tail
            data = read(IN_CHUNK)
        while in_member and not decomp.eof:
            # Output held back by the OUT_CHUNK cap when the input ran out.
            try:
                out = decomp.decompress(b"", OUT_CHUNK)
            except _IsalError as exc:
                raise InputError(f"{self._label}: corrupt gzip data ({exc})") from None
            if not out:
                break
            self._account(len(out))
            yield out
        if in_member and not decomp.eof:
            raise InputError(f"{self._label}: gzip stream is truncated")

    def _zstd(self, head: bytes) -> Iterator[bytes]:
        prefixed: Any = _Prefixed(head, self._src)
        dctx = zstandard.ZstdDecompressor()
        reader = dctx.stream_reader(prefixed, read_size=IN_CHUNK, read_across_frames=True)
        try:
            while True:
                out = reader.read(ZSTD_OUT_CHUNK)
                if not out:
                    break
                self._account(len(out))
                yield out
        except zstandard.ZstdError as exc:
            raise InputError(f"{self._label}: corrupt zstd data ({exc})") from None

    # -- verification -------------------------------------------------------------------
    def finish(self) -> None:
        """Read what the decoder did not need, then check the size and digest."""
        self.close()
        src = self._src
        src.stop_hasher()
        src.walker = None
        while src.read(IN_CHUNK):
            pass
        label = self._label
        if self._expected_size is not None and src.count != self._expected_size:
            raise InputError(
                f"{label}: size is {src.count} bytes, the manifest says {self._expected_size}"
            )
        if src.hasher is not None and (self.kind == "none" or not self._digest_if_plain):
            actual = f"{self._algo}:{src.hasher.hexdigest()}"
            if actual != self._expected_digest:
                raise InputError(f"{label}: digest mismatch (content is {actual})")

    def close(self) -> None:
        """Stop decoding (and the hashing thread); safe to call more than once."""
        gen = self._gen
        if gen is not None:
            self._gen = None
            gen.close()  # type: ignore[attr-defined]
        self._src.stop_hasher()

    @property
    def compressed(self) -> int:
        return self._src.count


class _Prefixed:
    """Replays already-read head bytes before reading on from the source."""

    def __init__(self, head: bytes, src: _HashingSource) -> None:
        self._head = head
        self._src = src

    def read(self, n: int = -1) -> bytes | memoryview:
        if self._head:
            out, self._head = self._head, b""
            return out
        return self._src.read(n)
