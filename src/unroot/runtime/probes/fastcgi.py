"""FastCGI probe (PHP-FPM and other FastCGI servers): an ``FCGI_GET_VALUES`` management
record must be answered with ``FCGI_GET_VALUES_RESULT``; no script is run."""

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

FCGI_VERSION = 1
GET_VALUES = 9
GET_VALUES_RESULT = 10
NAMES = (b"FCGI_MAX_CONNS", b"FCGI_MAX_REQS", b"FCGI_MPXS_CONNS")


def get_values_record() -> bytes:
    content = b"".join(bytes([len(n), 0]) + n for n in NAMES)
    header = struct.pack("!BBHHBB", FCGI_VERSION, GET_VALUES, 0, len(content), 0, 0)
    return header + content


def parse_pairs(content: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    i = 0
    while i < len(content):
        lengths = []
        for _ in range(2):
            if i >= len(content):
                raise ProtocolError("truncated name-value pair")
            if content[i] < 128:
                lengths.append(content[i])
                i += 1
            else:
                (n,) = struct.unpack("!I", content[i : i + 4])
                lengths.append(n & 0x7FFFFFFF)
                i += 4
        name = content[i : i + lengths[0]]
        value = content[i + lengths[0] : i + lengths[0] + lengths[1]]
        i += lengths[0] + lengths[1]
        out[name.decode("latin-1")] = value.decode("latin-1")
    return out


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    with connect(ctx, spec) as sock:
        sock.sendall(get_values_record())
        version, kind, _, length, padding, _ = struct.unpack("!BBHHBB", recv_exact(sock, 8))
        content = recv_exact(sock, length) if length else b""
        if padding:
            recv_exact(sock, padding)
    if version != FCGI_VERSION or kind != GET_VALUES_RESULT:
        raise ProtocolError(f"record version {version} type {kind}")
    values = parse_pairs(content)
    shown = ", ".join(f"{k}={v}" for k, v in sorted(values.items()))
    return ProbeResult(True, f"FCGI_GET_VALUES_RESULT {shown}".strip(), answered=True)
