"""MQTT probe: a 3.1.1 CONNECT must be answered with a CONNACK.

Return code 0 (accepted) or 4/5 (credentials needed) prove a working broker.
"""

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

RETURN_CODES = {
    0: "accepted",
    1: "unacceptable protocol version",
    2: "identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
}


def connect_packet(client_id: str = "unroot-probe") -> bytes:
    cid = client_id.encode()
    variable = b"\x00\x04MQTT" + bytes([4, 0x02]) + struct.pack("!H", 10)
    payload = struct.pack("!H", len(cid)) + cid
    remaining = len(variable) + len(payload)
    assert remaining < 128
    return bytes([0x10, remaining]) + variable + payload


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    with connect(ctx, spec) as sock:
        sock.sendall(connect_packet())
        packet = recv_exact(sock, 4)
        if packet[0] != 0x20 or packet[1] != 2:
            raise ProtocolError(f"expected CONNACK, got {packet.hex()}")
        if packet[3] == 0:
            sock.sendall(b"\xe0\x00")
    code = packet[3]
    text = f"CONNACK {code} ({RETURN_CODES.get(code, 'unknown')})"
    return ProbeResult(code in (0, 4, 5), text, answered=True)
