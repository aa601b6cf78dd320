"""What the final stage's external base image runs as, when that can be known cheaply.

Two sources, tried in order:

1. Local podman storage (``containers-storage:``), read directly from c/storage's own files
   (``overlay-images/images.json`` -> the image's ``manifest`` -> its config blob). That is a
   few small file reads, with no subprocess, so a scan stays fast whether or not podman has
   the image; ``podman image exists`` would cost ~100 ms per Dockerfile even on a miss. Set
   ``UNROOT_BASE_LOOKUP=0`` to turn it off (e.g. for reproducible CI output).
2. A small table of well-known bases whose default user is documented and stable. Kept honest
   and short: anything not listed is "unknown", and the verdict then depends on the base.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

ROOT = ""
"""A config User of "" means root."""

# (pattern on the normalised reference "registry/repo:tag", default user, note)
KNOWN_BASES: tuple[tuple[str, str, str], ...] = (
    ("gcr.io/distroless/*:nonroot", "65532", "distroless :nonroot runs as 65532 (nonroot)"),
    ("gcr.io/distroless/*:*-nonroot", "65532", "distroless *-nonroot runs as 65532 (nonroot)"),
    ("gcr.io/distroless/*", ROOT, "distroless tags without 'nonroot' run as root"),
    ("cgr.dev/chainguard/*:*-dev", "?", "Chainguard -dev variants are not covered"),
    ("cgr.dev/chainguard/*", "65532", "Chainguard images run as 65532 (nonroot)"),
    ("docker.io/nginxinc/nginx-unprivileged:*", "101", "nginx-unprivileged runs as 101"),
    ("docker.io/bitnami/*", "1001", "Bitnami images run as 1001"),
    ("registry.access.redhat.com/ubi*/ubi*", ROOT, "UBI base images run as root"),
    ("registry.access.redhat.com/ubi*", ROOT, "UBI base images run as root"),
    *(
        (f"docker.io/library/{name}:*", ROOT, f"the official {name} image runs as root")
        for name in (
            "alpine",
            "debian",
            "ubuntu",
            "busybox",
            "fedora",
            "centos",
            "rockylinux",
            "almalinux",
            "amazonlinux",
            "oraclelinux",
            "archlinux",
            "golang",
            "python",
            "node",
            "ruby",
            "php",
            "perl",
            "rust",
            "openjdk",
            "eclipse-temurin",
            "amazoncorretto",
            "maven",
            "gradle",
            "nginx",
            "httpd",
            "postgres",
            "redis",
            "mongo",
            "mysql",
            "mariadb",
            "rabbitmq",
            "tomcat",
            "traefik",
            "caddy",
        )
    ),
)


@dataclass(frozen=True, slots=True)
class BaseInfo:
    """The final stage's base, as far as it is known."""

    ref: str
    """As written (after ARG expansion)."""
    normalized: str
    user: str | None
    """Config User of the base ("" = root), None when unknown."""
    source: str
    """"scratch" | "local" | "known" | "unknown"."""
    note: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    """The base's config (``User``, ``Env``, ``ExposedPorts``...) when read locally."""


def normalize(ref: str) -> str:
    """``debian`` -> ``docker.io/library/debian:latest`` (digests kept as written)."""
    name = ref.strip()
    first, slash, _ = name.partition("/")
    if not slash or not ("." in first or ":" in first or first == "localhost"):
        name = "docker.io/" + (name if slash else "library/" + name)
    if name.startswith("docker.io/") and name.count("/") == 1:
        name = "docker.io/library/" + name.split("/", 1)[1]
    last = name.rsplit("/", 1)[-1]
    if "@" not in last and ":" not in last:
        name += ":latest"
    return name.lower()


def lookup(ref: str, *, local: bool | None = None) -> BaseInfo:
    """What ``ref`` runs as: local storage first, then the table, else unknown."""
    if ref.strip().lower() == "scratch":
        return BaseInfo(ref, "scratch", ROOT, "scratch", "scratch has no user: UID 0")
    normalized = normalize(ref)
    if local is None:
        local = os.environ.get("UNROOT_BASE_LOOKUP", "1") not in ("0", "false", "no")
    if local:
        config = _local_config(normalized)
        if config is not None:
            user = str(config.get("User") or "")
            return BaseInfo(
                ref, normalized, user, "local", "read from local podman storage", config
            )
    name = normalized.split("@", 1)[0]
    if ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    for pattern, user, note in KNOWN_BASES:
        if fnmatch.fnmatchcase(name, pattern):
            if user == "?":
                break
            return BaseInfo(ref, normalized, user, "known", note)
    return BaseInfo(ref, normalized, None, "unknown")


def _storage_roots() -> list[str]:
    roots: list[str] = []
    conf = os.environ.get("CONTAINERS_STORAGE_CONF", "/etc/containers/storage.conf")
    try:
        with open(conf, encoding="utf-8") as handle:
            match = re.search(r'^\s*graphroot\s*=\s*"([^"]+)"', handle.read(65536), re.M)
        if match:
            roots.append(match.group(1))
    except OSError:
        pass
    roots.append("/var/lib/containers/storage")
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    roots.append(os.path.join(data_home, "containers", "storage"))
    return list(dict.fromkeys(roots))


def _local_config(normalized: str) -> dict[str, Any] | None:
    for root in _storage_roots():
        images_dir = os.path.join(root, "overlay-images")
        try:
            with open(os.path.join(images_dir, "images.json"), "rb") as handle:
                images = json.loads(handle.read(64 * 1024 * 1024))
        except (OSError, ValueError):
            continue
        if not isinstance(images, list):
            continue
        for image in images:
            if not isinstance(image, dict):
                continue
            names = [str(n).lower() for n in image.get("names") or ()]
            if normalized in names:
                config = _read_config(os.path.join(images_dir, str(image.get("id", ""))))
                if config is not None:
                    return config
    return None


def _read_config(image_dir: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(image_dir, "manifest"), "rb") as handle:
            manifest = json.loads(handle.read(4 * 1024 * 1024))
        digest = str(manifest["config"]["digest"])
        key = "=" + base64.b64encode(digest.encode()).decode()
        with open(os.path.join(image_dir, key), "rb") as handle:
            blob = json.loads(handle.read(16 * 1024 * 1024))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    config = blob.get("config") if isinstance(blob, dict) else None
    return config if isinstance(config, dict) else {}
