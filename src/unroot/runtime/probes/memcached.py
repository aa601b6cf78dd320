"""memcached probe: the text protocol's ``version`` command must answer ``VERSION ...``."""

from __future__ import annotations

from unroot.runtime.probes.base import ProbeContext, ProbeResult, ProtocolError, connect, recv_line
from unroot.runtime.probes.spec import ProbeSpec


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    with connect(ctx, spec) as sock:
        sock.sendall(b"version\r\n")
        line = recv_line(sock, 256)
    if line.startswith(b"VERSION "):
        return ProbeResult(True, line.decode("latin-1")[:80], answered=True)
    raise ProtocolError(f"expected VERSION, got {line[:40]!r}")
