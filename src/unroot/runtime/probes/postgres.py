"""PostgreSQL probe: a protocol 3.0 StartupMessage must get an authentication request or an
error other than "the database system is starting up" (the test ``pg_isready`` makes)."""

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

PROTOCOL_3 = 196608
NOT_READY = {"57P03"}
"""cannot_connect_now: starting up, shutting down or in recovery."""
AUTH = {0: "trust", 3: "password", 5: "md5", 10: "SASL"}


def startup_message(user: str = "postgres", database: str = "postgres") -> bytes:
    params = b"".join(
        k.encode() + b"\0" + v.encode() + b"\0"
        for k, v in (("user", user), ("database", database), ("application_name", "unroot"))
    )
    body = struct.pack("!I", PROTOCOL_3) + params + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def error_fields(payload: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for field in payload.split(b"\0"):
        if field:
            out[chr(field[0])] = field[1:].decode("utf-8", "replace")
    return out


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    with connect(ctx, spec) as sock:
        sock.sendall(startup_message())
        kind = recv_exact(sock, 1)
        (length,) = struct.unpack("!I", recv_exact(sock, 4))
        if kind not in (b"R", b"E") or not 4 <= length <= 65536:
            raise ProtocolError(f"message {kind!r} of length {length}")
        payload = recv_exact(sock, length - 4)
        if kind == b"R":
            sock.sendall(b"X\0\0\0\x04")
    if kind == b"R":
        (method,) = struct.unpack("!I", payload[:4])
        return ProbeResult(
            True, f"authentication request ({AUTH.get(method, method)})", answered=True
        )
    fields = error_fields(payload)
    code, message = fields.get("C", ""), fields.get("M", "")
    detail = f"{fields.get('S', 'ERROR')} {code}: {message[:100]}"
    return ProbeResult(code not in NOT_READY, detail, answered=True)
