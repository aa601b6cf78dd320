"""Redis (and Valkey) probe: ``PING`` in RESP must answer ``+PONG``.

``-NOAUTH`` (a password is set) also proves a working server: it parsed the command.
"""

from __future__ import annotations

from unroot.runtime.probes.base import ProbeContext, ProbeResult, ProtocolError, connect, recv_line
from unroot.runtime.probes.spec import ProbeSpec


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    with connect(ctx, spec) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        line = recv_line(sock, 512)
    text = line.decode("latin-1")
    if line == b"+PONG":
        return ProbeResult(True, "PING -> +PONG", answered=True)
    if line.startswith(b"-NOAUTH") or line.startswith(b"-WRONGPASS"):
        return ProbeResult(True, f"PING -> {text[:80]} (password set)", answered=True)
    if line.startswith((b"-LOADING", b"-BUSY", b"-MASTERDOWN")):
        return ProbeResult(False, f"PING -> {text[:80]}", answered=True)
    if line[:1] in (b"+", b"-"):
        return ProbeResult(False, f"PING -> {text[:80]}", answered=True)
    raise ProtocolError(f"not RESP: {text[:40]!r}")
