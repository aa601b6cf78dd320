"""Images whose base is a debootstrap rootfs imported with ``podman import``, /dev included.

debootstrap makes /dev/null, /dev/zero, /dev/tty... with mknod; a rootfs tarball of that
tree (GNU tar, as people make them) imported with ``podman import`` carries those device
nodes in its layer. Podman runs such images, so unroot must scan them: devices are
recorded, not refused. The test image is the local Debian base's own layer plus the
device nodes and links debootstrap creates, appended by GNU tar, then imported.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from unroot.oci.load import open_image
from unroot.oci.model import DeviceEntry, EntryType
from unroot.runtime.podman import Podman

from .conftest import ScanResult

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

DEBIAN = "localhost/unroot-base/debian:bookworm"
FORMAT = "1"
"""Bump when the image is made differently, so the cached one is rebuilt."""

DEVICES = [  # what debootstrap's setup_devices makes (name, char major, minor, mode)
    ("dev/null", 1, 3, 0o666),
    ("dev/zero", 1, 5, 0o666),
    ("dev/full", 1, 7, 0o666),
    ("dev/random", 1, 8, 0o666),
    ("dev/urandom", 1, 9, 0o666),
    ("dev/tty", 5, 0, 0o666),
    ("dev/console", 5, 1, 0o600),
    ("dev/ptmx", 5, 2, 0o666),
]
LINKS = [("dev/fd", "/proc/self/fd"), ("dev/stdin", "/proc/self/fd/0"),
         ("dev/stdout", "/proc/self/fd/1"), ("dev/stderr", "/proc/self/fd/2")]  # fmt: skip


def _base_layer(podman: Podman, work: Path) -> Path:
    """The Debian base's only layer (the rootfs tarball ``podman import`` stored)."""
    archive = podman.save(DEBIAN, work / "base.tar", "docker-archive")
    with tarfile.open(archive) as tar:
        manifest: list[dict[str, Any]] = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        (layer,) = manifest[0]["Layers"]
        dest = work / "rootfs.tar"
        with tar.extractfile(layer) as src, dest.open("wb") as out:  # type: ignore[union-attr]
            while chunk := src.read(1 << 20):
                out.write(chunk)
    archive.unlink()
    return dest


def _append_dev(rootfs: Path, work: Path) -> None:
    """Add debootstrap's device nodes, FIFO-free /dev dirs and links with GNU tar (the base
    already holds ``./dev`` itself, so only what is below it)."""
    tree = work / "devtree"
    (tree / "dev" / "pts").mkdir(parents=True)
    (tree / "dev" / "shm").mkdir()
    os.chmod(tree / "dev" / "shm", 0o1777)
    names = ["./dev/pts", "./dev/shm"]
    for name, major, minor, mode in DEVICES:
        os.mknod(tree / name, stat.S_IFCHR | mode, os.makedev(major, minor))
        os.chmod(tree / name, mode)
        names.append(f"./{name}")
    for name, target in LINKS:
        os.symlink(target, tree / name)
        names.append(f"./{name}")
    subprocess.run(
        ["tar", "--numeric-owner", "-rf", str(rootfs), "-C", str(tree), *names], check=True
    )


@pytest.fixture(scope="module")
def debootstrap_image(podman: Podman, base_images: dict[str, str], repo_root: Path) -> str:
    """``localhost/unroot-test/debootstrap-dev:<key>``: built once per base image."""
    key = podman.image_inspect(DEBIAN)["Id"][:12] + FORMAT
    tag = f"localhost/unroot-test/debootstrap-dev:{key}"
    if podman.image_exists(tag):
        return tag
    lock = repo_root / ".cache" / "locks" / "image-debootstrap-dev.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not podman.image_exists(tag):
            with tempfile.TemporaryDirectory(prefix="unroot-debootstrap-") as tmp:
                work = Path(tmp)
                rootfs = _base_layer(podman, work)
                _append_dev(rootfs, work)
                podman.image_import(rootfs, tag, changes=['CMD ["bash"]'])
    return tag


def test_debootstrap_base_with_devices_scans(
    debootstrap_image: str, scan: Callable[..., ScanResult]
) -> None:
    result = scan(f"containers-storage:{debootstrap_image}")
    base = scan(f"containers-storage:{DEBIAN}")
    assert result.target["verdict"] == base.target["verdict"]
    # The device nodes change nothing a rule reports (they are root's, as in every image).
    assert [f["rule"] for f in result.target["findings"]] == [
        f["rule"] for f in base.target["findings"]
    ]


def test_devices_are_in_the_tree(
    debootstrap_image: str, podman: Podman, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in podman.env().items():
        monkeypatch.setenv(key, value)
    image = open_image(f"containers-storage:{debootstrap_image}")
    for name, major, minor, mode in DEVICES:
        entry = image.tree.get(name)
        assert isinstance(entry, DeviceEntry), name
        assert (entry.type, entry.devmajor, entry.devminor, entry.mode) == (
            EntryType.CHAR,
            major,
            minor,
            mode,
        )
    fd = image.tree.get("dev/fd")
    assert fd is not None and fd.linkname == "/proc/self/fd"
    shm = image.tree.get("dev/shm")
    assert shm is not None and shm.is_dir and shm.mode == 0o1777
    assert image.tree.resolve("/bin/sh") is not None


def test_image_built_on_it_scans(
    debootstrap_image: str, build_image: Callable[..., str], scan: Callable[..., ScanResult]
) -> None:
    """A user image FROM that base (a second layer on top) scans as well."""
    tag = build_image(
        "debootstrap-derived",
        f"FROM {debootstrap_image}\nRUN useradd -u 1001 app && mkdir -p /srv && chown app /srv\n"
        "USER 1001\n",
    )
    result = scan(f"containers-storage:{tag}")
    assert result.target["verdict"] in ("non-root", "arbitrary-uid-ready")
