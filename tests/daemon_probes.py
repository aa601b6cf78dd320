"""Ask a running daemon one question in its own protocol, to prove it serves.

Each probe opens one connection (or sends one datagram) to ``host:port``, sends the smallest
request the protocol answers, and checks the shape of the answer. A refused connection, a
timeout or a malformed answer is "not serving". The probes speak to the container's own
address on the podman network, so no host port is ever bound.
"""

from __future__ import annotations

import random
import socket
import struct

TIMEOUT = 3.0


class ProbeFailed(Exception):
    """The daemon did not answer as its protocol says it should."""


def _exchange(host: str, port: int, payload: bytes, want: int = 512) -> bytes:
    """Send ``payload`` (nothing for protocols where the server speaks first) and return the
    first chunk of the answer: every check below needs only its first bytes."""
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        if payload:
            sock.sendall(payload)
        return sock.recv(want)


def _http(host: str, port: int) -> str:
    data = _exchange(host, port, b"GET / HTTP/1.0\r\nHost: probe\r\n\r\n", 64)
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    if not line.startswith("HTTP/1.") or line.split()[1:2] != ["200"]:
        raise ProbeFailed(f"HTTP answer {line!r}")
    return line


def _http_proxy(host: str, port: int) -> str:
    # any HTTP answer from the proxy itself (an access-denied page included) means it serves
    data = _exchange(host, port, b"GET http://127.0.0.1:1/ HTTP/1.0\r\n\r\n", 64)
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    if not line.startswith("HTTP/1."):
        raise ProbeFailed(f"proxy answer {line!r}")
    return line


def _redis(host: str, port: int) -> str:
    data = _exchange(host, port, b"PING\r\n", 64)
    if not data.startswith(b"+PONG"):
        raise ProbeFailed(f"redis answer {data[:40]!r}")
    return "PONG"


def _memcached(host: str, port: int) -> str:
    data = _exchange(host, port, b"version\r\n", 64)
    if not data.startswith(b"VERSION "):
        raise ProbeFailed(f"memcached answer {data[:40]!r}")
    return data.strip().decode("latin-1")


def _postgres(host: str, port: int) -> str:
    # SSLRequest: the server answers with one byte, S or N, before any authentication
    data = _exchange(host, port, struct.pack("!II", 8, 80877103), 1)
    if data not in (b"S", b"N"):
        raise ProbeFailed(f"postgres answer {data!r}")
    return f"SSLRequest -> {data.decode()}"


def _mysql(host: str, port: int) -> str:
    # the server speaks first: a handshake (protocol 10) or an error packet (0xff), e.g.
    # "Host ... is not allowed to connect", which is the server answering too
    data = _exchange(host, port, b"", 128)
    if len(data) < 5 or data[4] not in (10, 0xFF):
        raise ProbeFailed(f"mysql greeting {data[:20]!r}")
    return "handshake" if data[4] == 10 else "error packet"


def _mqtt(host: str, port: int) -> str:
    connect = bytes([0x10, 12, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 30, 0, 0])
    data = _exchange(host, port, connect, 4)
    if data[:2] != b"\x20\x02" or data[3:4] != b"\x00":
        raise ProbeFailed(f"MQTT CONNACK {data!r}")
    return "CONNACK accepted"


def _ftp(host: str, port: int) -> str:
    data = _exchange(host, port, b"", 128)
    if not data.startswith(b"220"):
        raise ProbeFailed(f"FTP banner {data[:40]!r}")
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def _fcgi(host: str, port: int) -> str:
    # FCGI_GET_VALUES (type 9) for FCGI_MPXS_CONNS; the answer is FCGI_GET_VALUES_RESULT (10)
    name = b"FCGI_MPXS_CONNS"
    body = bytes([len(name), 0]) + name
    record = struct.pack("!BBHHBx", 1, 9, 0, len(body), 0) + body
    data = _exchange(host, port, record, 8)
    if len(data) < 8 or data[0] != 1 or data[1] != 10:
        raise ProbeFailed(f"FastCGI answer {data[:16]!r}")
    return "FCGI_GET_VALUES_RESULT"


def _dns(host: str, port: int, name: str) -> str:
    ident = random.randrange(65536)
    query = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0)
    for label in name.strip(".").split("."):
        query += bytes([len(label)]) + label.encode()
    query += b"\x00" + struct.pack("!HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.sendto(query, (host, port))
        data, _ = sock.recvfrom(512)
    if len(data) < 12 or data[:2] != query[:2]:
        raise ProbeFailed(f"DNS answer {data[:12]!r}")
    rcode = data[3] & 0x0F
    answers = struct.unpack("!H", data[6:8])[0]
    if rcode != 0 or answers == 0:
        raise ProbeFailed(f"DNS rcode {rcode}, {answers} answers for {name}")
    return f"{answers} answer(s) for {name}"


def _tcp(host: str, port: int) -> str:
    with socket.create_connection((host, port), timeout=TIMEOUT):
        return "connected"


def probe(kind: str, host: str, port: int, query: str = "") -> str:
    """Ask the daemon; return a short description of its answer or raise :class:`ProbeFailed`
    (also for refused connections and timeouts)."""
    simple = {
        "http": _http,
        "http-proxy": _http_proxy,
        "redis": _redis,
        "memcached": _memcached,
        "postgres": _postgres,
        "mysql": _mysql,
        "mqtt": _mqtt,
        "ftp": _ftp,
        "fcgi": _fcgi,
        "tcp": _tcp,
    }
    try:
        if kind == "dns":
            return _dns(host, port, query)
        if kind not in simple:
            raise ValueError(f"unknown probe {kind!r}")
        return simple[kind](host, port)
    except (OSError, struct.error, IndexError) as exc:
        raise ProbeFailed(f"{kind} probe of {host}:{port}: {exc}") from exc
