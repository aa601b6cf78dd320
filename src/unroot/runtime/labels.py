"""The image labels ``unroot fix`` writes and ``unroot run``/``verify`` read.

``io.unroot.ports`` is a comma-separated list of ``HOST:CONTAINER[/proto]`` pairs: the port the
service used to listen on (and users still expect outside) and the unprivileged port it listens
on now, e.g. ``80:8080,443:8443`` or ``53:5353/udp``. Parsing is strict: a label that does not
follow the format is an input error, never silently half-applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from unroot.errors import InputError

PORTS_LABEL = "io.unroot.ports"
TMPFS_LABEL = "io.unroot.tmpfs"
"""Comma-separated absolute paths the image writes at run time (tmpfs under ``--read-only``)."""

PROTOCOLS = ("tcp", "udp")


@dataclass(frozen=True, slots=True)
class PortPair:
    """One published port: ``host`` outside (the old, often privileged port), ``container``
    inside (where the service listens now)."""

    host: int
    container: int
    proto: str = "tcp"

    def __str__(self) -> str:
        suffix = "" if self.proto == "tcp" else f"/{self.proto}"
        return f"{self.host}:{self.container}{suffix}"


def parse_port(text: str, what: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise InputError(f"{what}: {text!r} is not a port number (1-65535)")
    return int(text)


def parse_pair(text: str, what: str = "port mapping") -> PortPair:
    """``HOST:CONTAINER[/proto]`` (also ``CONTAINER[/proto]``: the same port on both sides)."""
    body, _, proto = text.strip().partition("/")
    proto = proto or "tcp"
    if proto not in PROTOCOLS:
        raise InputError(f"{what} {text!r}: protocol must be tcp or udp")
    host, sep, container = body.partition(":")
    if not sep:
        port = parse_port(host, f"{what} {text!r}")
        return PortPair(port, port, proto)
    return PortPair(
        parse_port(host, f"{what} {text!r}"), parse_port(container, f"{what} {text!r}"), proto
    )


def ports_from_labels(labels: Mapping[str, str]) -> tuple[PortPair, ...]:
    """The port pairs recorded in ``io.unroot.ports`` (empty when the label is absent)."""
    raw = labels.get(PORTS_LABEL, "").strip()
    if not raw:
        return ()
    pairs = tuple(parse_pair(part, f"label {PORTS_LABEL}") for part in raw.split(",") if part)
    seen: set[tuple[int, str]] = set()
    for pair in pairs:
        key = (pair.container, pair.proto)
        if key in seen:
            raise InputError(f"label {PORTS_LABEL}: container port {pair.container} twice")
        seen.add(key)
    return pairs


def tmpfs_from_labels(labels: Mapping[str, str]) -> tuple[str, ...]:
    """Absolute paths listed in ``io.unroot.tmpfs`` (relative or odd entries are rejected)."""
    raw = labels.get(TMPFS_LABEL, "").strip()
    out: list[str] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        if not part.startswith("/") or any(c in part for c in ":\n\0") or ".." in part.split("/"):
            raise InputError(f"label {TMPFS_LABEL}: {part!r} is not a plain absolute path")
        out.append(part)
    return tuple(out)
