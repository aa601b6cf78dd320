"""What every probe takes and returns."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from unroot.runtime.probes.spec import ProbeSpec


@dataclass(frozen=True, slots=True)
class ProbeContext:
    """Where the container's ports are reachable from the host, and the time budget."""

    host: str
    ports: Mapping[tuple[int, str], int]
    """(container port, proto) -> host port."""
    timeout: float = 2.0
    """Budget of one attempt (connect plus exchange)."""
    cancel: threading.Event | None = None

    def host_port(self, port: int, proto: str = "tcp") -> int:
        try:
            return self.ports[(port, proto)]
        except KeyError:
            raise LookupError(f"container port {port}/{proto} is not published") from None


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One attempt. ``answered``: the service spoke (even when the answer was wrong), which
    tells a slow start (keep waiting) from a wrong answer (stop after a grace period)."""

    ok: bool
    detail: str
    answered: bool = False
    elapsed: float = 0.0


Probe = Callable[[ProbeSpec, ProbeContext], ProbeResult]


class ProtocolError(Exception):
    """The peer answered, but not as the protocol says it should."""


def connect(ctx: ProbeContext, spec: ProbeSpec) -> socket.socket:
    """A TCP connection to the host side of ``spec.port`` with the attempt's timeout."""
    assert spec.port is not None
    sock = socket.create_connection(
        (ctx.host, ctx.host_port(spec.port, "tcp")), timeout=ctx.timeout
    )
    sock.settimeout(ctx.timeout)
    return sock


def recv_exact(sock: socket.socket, size: int) -> bytes:
    """Exactly ``size`` bytes, or :class:`ProtocolError` when the peer closes first."""
    chunks: list[bytes] = []
    need = size
    while need:
        chunk = sock.recv(need)
        if not chunk:
            raise ProtocolError(f"connection closed after {size - need} of {size} bytes")
        chunks.append(chunk)
        need -= len(chunk)
    return b"".join(chunks)


def recv_line(sock: socket.socket, limit: int = 4096) -> bytes:
    """One CRLF- or LF-terminated line (without the terminator), at most ``limit`` bytes."""
    buf = bytearray()
    while len(buf) < limit:
        ch = sock.recv(1)
        if not ch:
            if buf:
                return bytes(buf)
            raise ProtocolError("connection closed before a line was sent")
        if ch == b"\n":
            return bytes(buf.rstrip(b"\r"))
        buf += ch
    raise ProtocolError(f"line longer than {limit} bytes")


def attempt(probe: Probe, spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    """Run one attempt; network errors become a failed, unanswered result (never raise)."""
    start = time.monotonic()
    try:
        result = probe(spec, ctx)
    except ProtocolError as exc:
        result = ProbeResult(False, f"unexpected answer: {exc}", answered=True)
    except TimeoutError:
        result = ProbeResult(False, f"no answer within {ctx.timeout:g}s")
    except ConnectionRefusedError:
        result = ProbeResult(False, "connection refused")
    except ConnectionResetError:
        result = ProbeResult(False, "connection reset")
    except LookupError as exc:
        result = ProbeResult(False, str(exc))
    except OSError as exc:
        result = ProbeResult(False, exc.strerror or type(exc).__name__)
    elapsed = time.monotonic() - start
    return ProbeResult(result.ok, result.detail, result.answered, round(elapsed, 4))
