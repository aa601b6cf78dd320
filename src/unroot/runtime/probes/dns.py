"""DNS probe over UDP or TCP: a query must get a response with the same id and the QR bit.

By default any response code passes (a server that answers REFUSED is up); ``#rcode=NOERROR``
asks for a specific one. The default question is ``localhost A``, which both authoritative
servers (BIND's default zones) and forwarders (dnsmasq's /etc/hosts) answer without recursion.
"""

from __future__ import annotations

import secrets
import socket
import struct

from unroot.errors import UsageError
from unroot.runtime.probes.base import (
    ProbeContext,
    ProbeResult,
    ProtocolError,
    connect,
    recv_exact,
)
from unroot.runtime.probes.spec import ProbeSpec

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
DEFAULT_NAME = "localhost"


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.strip(".").split("."):
        if not label:
            continue
        raw = label.encode("idna")
        if len(raw) > 63:
            raise UsageError(f"DNS label {label!r} longer than 63 bytes")
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def query(qid: int, name: str, qtype: int) -> bytes:
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack("!HH", qtype, 1)


def parse_response(data: bytes, qid: int) -> tuple[str, int]:
    """(rcode name, answer count) of a response to ``qid``."""
    if len(data) < 12:
        raise ProtocolError(f"{len(data)}-byte response")
    rid, flags, _, ancount, _, _ = struct.unpack("!HHHHHH", data[:12])
    if rid != qid or not flags & 0x8000:
        raise ProtocolError(f"response id {rid} (asked {qid}), flags {flags:#06x}")
    return RCODES.get(flags & 0xF, str(flags & 0xF)), ancount


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    name = spec.option("name", DEFAULT_NAME)
    qtype_name = spec.option("type", "A").upper()
    if qtype_name not in TYPES:
        raise UsageError(f"probe {spec}: DNS type {qtype_name} (one of {', '.join(TYPES)})")
    qid = secrets.randbelow(65536)
    packet = query(qid, name, TYPES[qtype_name])
    if spec.proto == "udp":
        assert spec.port is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(ctx.timeout)
            sock.connect((ctx.host, ctx.host_port(spec.port, "udp")))
            sock.send(packet)
            data = sock.recv(4096)
    else:
        with connect(ctx, spec) as sock:
            sock.sendall(struct.pack("!H", len(packet)) + packet)
            (length,) = struct.unpack("!H", recv_exact(sock, 2))
            data = recv_exact(sock, length)
    rcode, answers = parse_response(data, qid)
    wanted = spec.option("rcode").upper()
    detail = f"{name} {qtype_name} -> {rcode}, {answers} answer(s) over {spec.proto}"
    if wanted and rcode != wanted:
        return ProbeResult(False, detail + f"; expected {wanted}", answered=True)
    return ProbeResult(True, detail, answered=True)
