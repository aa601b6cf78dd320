"""Daemon images from Debian's packages, written the way users write them, built once and cached.

Each directory under ``tests/images/`` is a build context: a Containerfile ``FROM`` the local
Debian base that installs one daemon with its packaged configuration, sets no ``USER`` unless
the daemon refuses root (PostgreSQL), and runs it in the foreground on its packaged port. They
are the real-world cases for scan, fix, run and verify: nothing in them is shaped by unroot.

Images are tagged ``localhost/unroot-test/daemon-NAME:KEY`` where KEY hashes the context files
and the base image id, so an unchanged image is reused across runs (and across test workers,
under a file lock) and a rebuilt base invalidates it.
"""

from __future__ import annotations

import fcntl
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unroot.runtime.podman import Podman

IMAGES_DIR = Path(__file__).resolve().parent / "images"
REPO_ROOT = IMAGES_DIR.parent.parent
BASE_TAG = "localhost/unroot-base/debian:bookworm"


@dataclass(frozen=True, slots=True)
class DaemonImage:
    """What a test needs to know to reach the daemon: where it listens, how to ask it."""

    name: str
    port: int
    """The port the packaged configuration listens on inside the container."""
    proto: str
    """``tcp`` or ``udp``: the protocol of the probe."""
    probe: str
    """How to ask it: ``http``, ``redis``, ``postgres``, ``mysql``, ``mqtt``, ``memcached``,
    ``http-proxy``, ``dns``, ``ftp`` or ``tcp``."""
    query: str = ""
    """What to ask, where the probe needs it: the name a DNS server answers for."""

    @property
    def context(self) -> Path:
        return IMAGES_DIR / self.name


DAEMONS: dict[str, DaemonImage] = {
    d.name: d
    for d in (
        DaemonImage("nginx", 80, "tcp", "http"),
        DaemonImage("redis", 6379, "tcp", "redis"),
        DaemonImage("postgresql", 5432, "tcp", "postgres"),
        DaemonImage("lighttpd", 80, "tcp", "http"),
        DaemonImage("haproxy", 80, "tcp", "http"),
        DaemonImage("mosquitto", 1883, "tcp", "mqtt"),
        DaemonImage("apache2", 80, "tcp", "http"),
        DaemonImage("mariadb", 3306, "tcp", "mysql"),
        DaemonImage("memcached", 11211, "tcp", "memcached"),
        DaemonImage("squid", 3128, "tcp", "http-proxy"),
        DaemonImage("dnsmasq", 53, "udp", "dns", "service.test"),
        DaemonImage("bind9", 53, "udp", "dns", "localhost"),
        DaemonImage("vsftpd", 21, "tcp", "ftp"),
        DaemonImage("php-fpm", 9000, "tcp", "tcp"),
    )
}


def image_key(podman: Podman, name: str) -> str:
    """Hash of the build context's files and the base image id."""
    daemon = DAEMONS[name]
    digest = hashlib.sha256(podman.image_inspect(BASE_TAG)["Id"].encode())
    for path in sorted(p for p in daemon.context.rglob("*") if p.is_file()):
        digest.update(b"\0" + str(path.relative_to(daemon.context)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build(podman: Podman, name: str) -> str:
    """Build (or reuse) the image of daemon ``name``; returns its tag."""
    repository = f"localhost/unroot-test/daemon-{name}"
    tag = f"{repository}:{image_key(podman, name)}"
    if podman.image_exists(tag):
        return tag
    lock_dir = REPO_ROOT / ".cache" / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"daemon-{name}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not podman.image_exists(tag):
            podman.build(DAEMONS[name].context, tag)
    return tag
