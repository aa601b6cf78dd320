"""A probe for an image nobody wrote one for: which daemon it runs, and on which port.

The daemon comes from the daemon table (the program the entrypoint or command starts); the
port, in order of trust, from the ``io.unroot.ports`` label (what ``unroot fix`` changed), from
the daemon's own configuration read from the image, from ``EXPOSE``, and finally from the
daemon's built-in default. An unknown program on a port with an IANA registration gets that
protocol's probe; anything else gets a TCP connect.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from unroot.daemons.table import DAEMONS, DaemonSpec
from unroot.runtime.probes.spec import ProbeSpec

DAEMON_PROBES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "nginx": ("http", (("status", "any"),)),
    "apache": ("http", (("status", "any"),)),
    "lighttpd": ("http", (("status", "any"),)),
    "haproxy": ("http", (("status", "any"),)),
    "redis": ("redis", ()),
    "postgresql": ("postgres", ()),
    "mysql": ("mysql", ()),
    "memcached": ("memcached", ()),
    "squid": ("http-proxy", ()),
    "dnsmasq": ("dns", ()),
    "bind9": ("dns", ()),
    "mosquitto": ("mqtt", ()),
    "vsftpd": ("ftp", ()),
    "php-fpm": ("fastcgi", ()),
    "openssh": ("tcp", (("expect", "SSH-"),)),
}
"""Web servers pass on any HTTP status: a packaged site may answer 403 or 404 at ``/`` and is
still serving; a wrong status on a known path is what ``--probe http://:PORT/path`` is for."""

WELL_KNOWN: dict[tuple[int, str], str] = {
    (21, "tcp"): "ftp",
    (25, "tcp"): "smtp",
    (53, "udp"): "dns",
    (80, "tcp"): "http",
    (587, "tcp"): "smtp",
    (1883, "tcp"): "mqtt",
    (3306, "tcp"): "mysql",
    (5432, "tcp"): "postgres",
    (6379, "tcp"): "redis",
    (11211, "tcp"): "memcached",
}


@dataclass(frozen=True, slots=True)
class Derived:
    """The derived probe (None: nothing to probe, only that the container keeps running)."""

    probe: ProbeSpec | None
    daemon: str | None
    reason: str


def by_binary(name: str) -> DaemonSpec | None:
    """The daemon-table entry whose programs include ``name`` (a basename)."""
    return next((d for d in DAEMONS if name in d.binaries), None)


def daemon_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """``argv`` from the first program the daemon table knows (entrypoint then command, so
    ``docker-entrypoint.sh redis-server --port 7000`` is redis with its options); empty if none."""
    for i, word in enumerate(argv):
        if by_binary(posixpath.basename(word)) is not None:
            return tuple(argv[i:])
    return ()


def daemon_of(argv: Sequence[str]) -> str | None:
    """The daemon-table name of the first known program in ``argv``."""
    found = daemon_argv(argv)
    spec = by_binary(posixpath.basename(found[0])) if found else None
    return spec.name if spec is not None else None


def default_ports(daemon: str) -> tuple[tuple[int, str], ...]:
    return next((d.default_ports for d in DAEMONS if d.name == daemon), ())


def derive(
    argv: Sequence[str],
    *,
    labelled: Sequence[tuple[int, str]] = (),
    configured: Sequence[tuple[int, str]] = (),
    exposed: Sequence[tuple[int, str]] = (),
) -> Derived:
    """Pure: the probe for a container running ``argv`` with these candidate ports."""
    daemon = daemon_of(argv)
    sources: list[tuple[str, Sequence[tuple[int, str]]]] = [
        ("the io.unroot.ports label", labelled),
        (f"{daemon}'s configuration" if daemon else "the configuration", configured),
        ("EXPOSE", exposed),
    ]
    if daemon:
        sources.append((f"{daemon}'s default port", default_ports(daemon)))
    found = next(((src, ports) for src, ports in sources if ports), None)
    if found is None:
        who = daemon or (posixpath.basename(argv[0]) if argv else "the container")
        return Derived(None, daemon, f"{who}: no port known; checking that it keeps running")
    source, ports = found
    if daemon in DAEMON_PROBES:
        kind, options = DAEMON_PROBES[daemon]
        proto = "udp" if kind == "dns" else "tcp"
        port = _pick(ports, proto)
        if port is not None:
            spec = _spec(kind, port, proto, options)
            return Derived(spec, daemon, f"{daemon} (from the command), port {port} from {source}")
    port_proto = next((p for p in ports if p in WELL_KNOWN), None)
    if port_proto is not None:
        kind = WELL_KNOWN[port_proto]
        options = (("status", "any"),) if kind == "http" else ()
        spec = _spec(kind, port_proto[0], port_proto[1], options)
        return Derived(spec, daemon, f"port {port_proto[0]} from {source} is {kind}'s")
    tcp = _pick(ports, "tcp")
    if tcp is None:
        return Derived(
            None, daemon, f"only UDP ports from {source}; checking that it keeps running"
        )
    return Derived(_spec("tcp", tcp, "tcp", ()), daemon, f"port {tcp} from {source}")


def _pick(ports: Sequence[tuple[int, str]], proto: str) -> int | None:
    return next((p for p, pr in ports if pr == proto), None)


def _spec(kind: str, port: int, proto: str, options: tuple[tuple[str, str], ...]) -> ProbeSpec:
    suffix = "/tcp" if kind == "dns" and proto == "tcp" else ""
    opts = "#" + ",".join(f"{k}={v}" for k, v in options) if options else ""
    return ProbeSpec(kind, port, proto, "/", options, (), f"{kind}:{port}{suffix}{opts}")
