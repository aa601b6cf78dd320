"""Real OCI layouts and archives on disk, written with unroot's own layout writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unroot.oci.writer import (
    Entry,
    default_config,
    tar_directory,
    write_docker_archive,
    write_image,
)

PASSWD = b"root:x:0:0:root:/root:/bin/sh\napp:x:1001:0:app:/home/app:/bin/sh\n"
GROUP = b"root:x:0:\napp:x:1001:\n"
CAP_NET_BIND_SERVICE_EP = bytes.fromhex("0100000200040000000000000000000000000000")


def base_entries() -> list[Entry]:
    return [
        Entry("etc", "dir"),
        Entry("etc/passwd", data=PASSWD),
        Entry("etc/group", data=GROUP),
        Entry("usr", "dir"),
        Entry("usr/bin", "dir"),
        Entry("usr/sbin", "dir"),
        Entry("tmp", "dir", mode=0o1777),
        Entry("home", "dir"),
    ]


def nginx_like(dest: Path) -> dict[str, Any]:
    """No USER, port 80, a setuid binary and a setcap binary, spread over two layers."""
    layers = [
        base_entries(),
        [
            Entry("usr/bin/su", data=b"\x7fELF", mode=0o4755),
            Entry(
                "usr/sbin/nginx",
                data=b"\x7fELF",
                xattrs={"security.capability": CAP_NET_BIND_SERVICE_EP},
            ),
            Entry("var", "dir"),
            Entry("var/www", "dir"),
        ],
    ]
    config = default_config(ExposedPorts={"80/tcp": {}}, WorkingDir="/var/www", Cmd=["nginx"])
    write_image(str(dest), layers, config)
    return {"layers": layers, "config": config}


def ready(dest: Path) -> dict[str, Any]:
    """USER 1001:0 with group-0, group-writable HOME, WORKDIR and VOLUME."""
    layers = [
        base_entries(),
        [
            Entry("home/app", "dir", mode=0o775, uid=1001, gid=0),
            Entry("app", "dir", mode=0o775, uid=1001, gid=0),
            Entry("app/server", data=b"#!/bin/sh\n", mode=0o755),
            Entry("data", "dir", mode=0o2775, uid=1001, gid=0),
        ],
    ]
    config = default_config(
        User="1001:0",
        ExposedPorts={"8080/tcp": {}},
        WorkingDir="/app",
        Volumes={"/data": {}},
        Cmd=["/app/server"],
    )
    write_image(str(dest), layers, config)
    return {"layers": layers, "config": config}


def non_root_with_warning(dest: Path) -> None:
    """USER 1001:0 but WORKDIR owned by root: non-root with a warning only."""
    layers = [[*base_entries(), Entry("srv", "dir")]]
    write_image(str(dest), layers, default_config(User="1001:0", WorkingDir="/srv"))


def archives(tmp: Path) -> tuple[Path, Path, Path]:
    """(oci layout, oci-archive, docker-archive) of the nginx-like image."""
    layout = tmp / "layout"
    spec = nginx_like(layout)
    oci_archive = tmp / "image-oci.tar"
    tar_directory(str(layout), str(oci_archive))
    docker_archive = tmp / "image-docker.tar"
    write_docker_archive(str(docker_archive), spec["layers"], spec["config"])
    return layout, oci_archive, docker_archive
