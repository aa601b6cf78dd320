"""Host ports for published container ports, unique across parallel verifies.

Binding port 0 and closing the socket leaves a window in which another process takes the same
port. Instead every lease holds an exclusive ``flock`` on ``<lock dir>/<port>.lock`` for as long
as the container may use the port, so unroot processes (``--jobs`` threads, several CLIs, test
workers) never hand out the same port twice; a bind test on 127.0.0.1 (TCP and UDP) skips ports
that something else already holds. The range stays below Linux's ephemeral range (32768+), where
the kernel picks source ports for outgoing connections.

The lock directory is :func:`unroot.runtime.locks.lock_dir`, shared by every user, so rootful
and rootless verifies running at the same time coordinate too.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import random
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

from unroot.errors import ToolError, UsageError
from unroot.runtime.locks import lock_dir as shared_lock_dir
from unroot.runtime.locks import open_lock

DEFAULT_RANGE = (20000, 29999)
RANGE_ENV = "UNROOT_PORT_RANGE"
"""``LOW-HIGH`` overrides the range (for hosts where 20000-29999 is in use)."""


@dataclass(slots=True)
class PortLease:
    """A host port reserved until :meth:`release` (or the process exits)."""

    port: int
    _fd: int | None = field(default=None, repr=False)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PortLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def port_range_from_env(value: str | None) -> tuple[int, int]:
    if not value:
        return DEFAULT_RANGE
    low, sep, high = value.partition("-")
    if not (sep and low.isdigit() and high.isdigit()) or not 1024 <= int(low) <= int(high) < 65536:
        raise UsageError(f"{RANGE_ENV}={value!r}: expected LOW-HIGH within 1024-65535")
    return int(low), int(high)


class PortAllocator:
    """Hands out free host ports from a range, coordinated through lock files."""

    def __init__(self, lock_dir: Path | None = None, port_range: tuple[int, int] | None = None):
        self.lock_dir = lock_dir if lock_dir is not None else shared_lock_dir()
        self.low, self.high = port_range or port_range_from_env(os.environ.get(RANGE_ENV))
        self._mutex = threading.Lock()
        self._rng = random.Random()

    def allocate(self, host_ip: str = "127.0.0.1") -> PortLease:
        """A port free for TCP and UDP on ``host_ip``, locked for this lease."""
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        span = self.high - self.low + 1
        with self._mutex:
            start = self._rng.randrange(span)
        for i in range(span):
            port = self.low + (start + i) % span
            lease = self._try(port, host_ip)
            if lease is not None:
                return lease
        raise ToolError(f"no free host port in {self.low}-{self.high} (set {RANGE_ENV})")

    def _try(self, port: int, host_ip: str) -> PortLease | None:
        fd = open_lock(self.lock_dir / f"port-{port}.lock")
        if fd is None:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return None
            raise ToolError(f"cannot lock port {port}: {exc.strerror}") from None
        if not _bindable(host_ip, port):
            os.close(fd)
            return None
        return PortLease(port, fd)


def _bindable(host_ip: str, port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        family = socket.AF_INET6 if ":" in host_ip else socket.AF_INET
        with socket.socket(family, kind) as sock:
            try:
                sock.bind((host_ip, port))
            except OSError:
                return False
    return True
