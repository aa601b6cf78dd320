"""SMTP probe: a ``220`` greeting, ``EHLO`` answered with ``250``, then ``QUIT``."""

from __future__ import annotations

import socket

from unroot.runtime.probes.base import ProbeContext, ProbeResult, ProtocolError, connect, recv_line
from unroot.runtime.probes.spec import ProbeSpec


def read_reply(sock: socket.socket) -> tuple[int, str]:
    """One (possibly multi-line) SMTP/FTP reply: its code and first line."""
    first = recv_line(sock, 1024)
    if len(first) < 3 or not first[:3].isdigit():
        raise ProtocolError(f"not a reply line: {first[:40]!r}")
    code = first[:3]
    line = first
    for _ in range(200):
        if line[3:4] != b"-":
            break
        line = recv_line(sock, 1024)
        if line[:3] == code and line[3:4] == b" ":
            break
    return int(code), first.decode("latin-1")


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    with connect(ctx, spec) as sock:
        code, greeting = read_reply(sock)
        if code != 220:
            return ProbeResult(False, f"greeting {greeting[:80]!r}", answered=True)
        sock.sendall(b"EHLO unroot-probe.invalid\r\n")
        ehlo, line = read_reply(sock)
        sock.sendall(b"QUIT\r\n")
    if ehlo != 250:
        return ProbeResult(False, f"EHLO -> {line[:80]!r}", answered=True)
    return ProbeResult(True, f"{greeting[:60]}; EHLO -> 250", answered=True)
