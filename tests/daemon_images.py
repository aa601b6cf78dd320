"""Daemon images from Debian's packages, written the way users write them, built once and cached.

Each directory under ``tests/images/`` is a build context: a Containerfile ``FROM`` the local
Debian base that installs one daemon with its packaged configuration, sets no ``USER`` unless
the daemon refuses root (PostgreSQL), and runs it in the foreground on its packaged port. They
are the real-world cases for scan, fix, run and verify: nothing in them is shaped by unroot.

Images are tagged ``localhost/unroot-test/daemon-NAME:KEY`` where KEY hashes the context files
and the base image id, so an unchanged image is reused across runs (and across test workers,
under a file lock) and a rebuilt base invalidates it.

Each daemon also has a hand-fixed variant under ``tests/images/fixed/NAME``: the Containerfile a
person writes on top of the image (``FROM $BASE``) so that it serves as an arbitrary UID in
group 0 with every capability dropped: group-0 permissions on the paths the daemon writes,
ports moved to 1024 and above, directives that need root removed, a non-root ``USER``. It is
tagged ``localhost/unroot-test/daemon-NAME-fixed:KEY`` (KEY covers the image it fixes).
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
    ``http-proxy``, ``dns``, ``ftp``, ``fcgi`` (a FastCGI management record) or ``tcp``."""
    query: str = ""
    """What to ask, where the probe needs it: the name a DNS server answers for."""
    fixed: bool = False
    """True for the hand-fixed variant (built ``FROM`` the image it fixes)."""

    @property
    def context(self) -> Path:
        return IMAGES_DIR / "fixed" / self.name if self.fixed else IMAGES_DIR / self.name

    @property
    def repository(self) -> str:
        suffix = "-fixed" if self.fixed else ""
        return f"localhost/unroot-test/daemon-{self.name}{suffix}"


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

FIXED: dict[str, DaemonImage] = {
    d.name: d
    for d in (
        DaemonImage("nginx", 8080, "tcp", "http", fixed=True),
        DaemonImage("redis", 6379, "tcp", "redis", fixed=True),
        DaemonImage("postgresql", 5432, "tcp", "postgres", fixed=True),
        DaemonImage("lighttpd", 8080, "tcp", "http", fixed=True),
        DaemonImage("haproxy", 8080, "tcp", "http", fixed=True),
        DaemonImage("mosquitto", 1883, "tcp", "mqtt", fixed=True),
        DaemonImage("apache2", 8080, "tcp", "http", fixed=True),
        DaemonImage("mariadb", 3306, "tcp", "mysql", fixed=True),
        DaemonImage("memcached", 11211, "tcp", "memcached", fixed=True),
        DaemonImage("squid", 3128, "tcp", "http-proxy", fixed=True),
        DaemonImage("dnsmasq", 5353, "udp", "dns", "service.test", fixed=True),
        DaemonImage("bind9", 5353, "udp", "dns", "localhost", fixed=True),
        DaemonImage("vsftpd", 2121, "tcp", "ftp", fixed=True),
        DaemonImage("php-fpm", 9000, "tcp", "fcgi", fixed=True),
    )
}
"""The hand-fixed variant of each daemon image, with where it listens after the fix."""


def _context_key(daemon: DaemonImage, start: str) -> str:
    digest = hashlib.sha256(start.encode())
    for path in sorted(p for p in daemon.context.rglob("*") if p.is_file()):
        digest.update(b"\0" + str(path.relative_to(daemon.context)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def image_key(podman: Podman, name: str) -> str:
    """Hash of the build context's files and the base image id."""
    return _context_key(DAEMONS[name], podman.image_inspect(BASE_TAG)["Id"])


def build(podman: Podman, name: str) -> str:
    """Build (or reuse) the image of daemon ``name``; returns its tag."""
    daemon = DAEMONS[name]
    tag = f"{daemon.repository}:{image_key(podman, name)}"
    _build_locked(podman, daemon, tag, {})
    return tag


def build_fixed(podman: Podman, name: str) -> str:
    """Build (or reuse) the hand-fixed variant of daemon ``name`` on top of its image."""
    base = build(podman, name)
    daemon = FIXED[name]
    tag = f"{daemon.repository}:{_context_key(daemon, base)}"
    _build_locked(podman, daemon, tag, {"BASE": base})
    return tag


PACKAGED = DaemonImage("packaged", 0, "tcp", "tcp")
"""One image with a dozen more daemons installed from Debian (tests/images/packaged), for the
parser tests on configs, modes and owners as the packages ship them; it is not run."""


def build_packaged(podman: Podman) -> str:
    tag = f"{PACKAGED.repository}:{_context_key(PACKAGED, podman.image_inspect(BASE_TAG)['Id'])}"
    _build_locked(podman, PACKAGED, tag, {})
    return tag


def build_any(podman: Podman, name: str, *, fixed: bool) -> str:
    return build_fixed(podman, name) if fixed else build(podman, name)


def _build_locked(
    podman: Podman, daemon: DaemonImage, tag: str, build_args: dict[str, str]
) -> None:
    if podman.image_exists(tag):
        return
    lock_dir = REPO_ROOT / ".cache" / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock_name = daemon.repository.rsplit("/", 1)[-1]
    with open(lock_dir / f"{lock_name}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not podman.image_exists(tag):
            podman.build(daemon.context, tag, build_args=build_args)
