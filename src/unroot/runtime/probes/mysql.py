"""MySQL/MariaDB probe: the server speaks first; a protocol-10 greeting (or an error packet such
as "host not allowed", which only a running server sends) proves it is up."""

from __future__ import annotations

import struct

from unroot.runtime.probes.base import (
    ProbeContext,
    ProbeResult,
    ProtocolError,
    connect,
    recv_exact,
)
from unroot.runtime.probes.spec import ProbeSpec

NOT_READY = {1040, 1053}
"""Too many connections; server shutdown in progress."""


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    with connect(ctx, spec) as sock:
        header = recv_exact(sock, 4)
        length = header[0] | header[1] << 8 | header[2] << 16
        if not 1 <= length <= 65536:
            raise ProtocolError(f"packet length {length}")
        payload = recv_exact(sock, length)
    if payload[0] == 10:
        version = payload[1:].split(b"\0", 1)[0].decode("latin-1")
        return ProbeResult(True, f"greeting: server {version[:60]}", answered=True)
    if payload[0] == 0xFF and len(payload) >= 3:
        (errno,) = struct.unpack("<H", payload[1:3])
        message = payload[3:]
        if message.startswith(b"#"):
            message = message[6:]
        text = message.decode("utf-8", "replace")[:100]
        return ProbeResult(errno not in NOT_READY, f"error {errno}: {text}", answered=True)
    raise ProtocolError(f"greeting of protocol {payload[0]}")
