"""FTP probe: a ``220`` greeting, then ``QUIT`` answered with ``221``."""

from __future__ import annotations

from unroot.runtime.probes.base import ProbeContext, ProbeResult, connect
from unroot.runtime.probes.smtp import read_reply
from unroot.runtime.probes.spec import ProbeSpec


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    with connect(ctx, spec) as sock:
        code, greeting = read_reply(sock)
        if code != 220:
            return ProbeResult(False, f"greeting {greeting[:80]!r}", answered=True)
        sock.sendall(b"QUIT\r\n")
        bye, _ = read_reply(sock)
    if bye != 221:
        return ProbeResult(False, f"{greeting[:60]}; QUIT -> {bye}", answered=True)
    return ProbeResult(True, f"{greeting[:60]}; QUIT -> 221", answered=True)
