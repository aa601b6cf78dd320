#!/usr/bin/env python3
"""Build the local base images that the demo and the tests build FROM.

There is no registry here, so bases are made from Debian's own packages:
- ``localhost/unroot-base/debian:bookworm``: ``debootstrap --variant=minbase`` from the mirror
  apt already uses, packed with GNU tar and ``podman import``ed (like the official image);
- ``localhost/unroot-base/busybox:latest``: busybox-static plus applet symlinks and a minimal
  passwd/group, packed by Python's tarfile (no root-owned files needed on disk).

Idempotent and safe to run from parallel pytest workers: each base carries a label with a key
of its inputs and is rebuilt only when missing or stale; rootfs tarballs are cached under
``.cache/bases`` and a file lock serialises builders.

Usage: scripts/build_base.py [debian|busybox ...]   (default: all)
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from unroot.runtime.podman import Podman

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "bases"

KEY_LABEL = "org.unroot.base-key"
DEBIAN_TAG = "localhost/unroot-base/debian:bookworm"
BUSYBOX_TAG = "localhost/unroot-base/busybox:latest"
DEBIAN_SUITE = "bookworm"
DEBIAN_INCLUDE: tuple[str, ...] = ()
"""Extra packages in the Debian base; empty keeps it like the official debian image."""
DEFAULT_MIRROR = "http://deb.debian.org/debian"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FORMAT_VERSION = "2"
"""Bump when the way bases are built changes, so cached images are rebuilt."""


def log(msg: str) -> None:
    print(f"build_base: {msg}", file=sys.stderr, flush=True)


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join((FORMAT_VERSION, *parts)).encode()).hexdigest()[:16]


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def image_is_current(podman: Podman, tag: str, key: str) -> bool:
    return podman.image_exists(tag) and podman.image_labels(tag).get(KEY_LABEL) == key


def ensure_image(
    podman: Podman, tag: str, key: str, make_tar: Callable[[Path], None], changes: Sequence[str]
) -> bool:
    """Import ``tag`` from a cached tarball (made by ``make_tar`` if absent) unless current.

    Returns True when the image had to be (re)imported.
    """
    if image_is_current(podman, tag, key):
        return False
    name = tag.rsplit("/", 1)[-1].replace(":", "-")
    with file_lock(CACHE / f"{name}.lock"):
        if image_is_current(podman, tag, key):
            return False
        tar = CACHE / f"{name}-{key}.tar"
        if not tar.is_file():
            start = time.monotonic()
            tmp = tar.with_suffix(".tar.part")
            tmp.unlink(missing_ok=True)
            make_tar(tmp)
            os.replace(tmp, tar)
            log(f"built {tar.name} in {time.monotonic() - start:.0f}s")
            for old in CACHE.glob(f"{name}-*.tar"):
                if old != tar:
                    old.unlink()
        podman.image_import(tar, tag, changes=[f"LABEL {KEY_LABEL}={key}", *changes])
        log(f"imported {tag}")
        return True


# --- Debian -----------------------------------------------------------------------------------


def apt_mirror(etc_apt: Path = Path("/etc/apt"), suite: str = DEBIAN_SUITE) -> str:
    """The Debian mirror apt uses on this host (deb822 or one-line sources), else the default."""
    for path in sorted((etc_apt / "sources.list.d").glob("*.sources")):
        for block in path.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", block, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", block, re.M)
            types = re.search(r"^Types:\s*(.+)$", block, re.M)
            if types and "deb" not in types.group(1).split():
                continue
            if uris and suites and suite in suites.group(1).split():
                return uris.group(1).rstrip("/")
    lists = [etc_apt / "sources.list", *sorted((etc_apt / "sources.list.d").glob("*.list"))]
    for path in lists:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = re.sub(r"\[[^]]*\]", "", line).split()  # drop "[signed-by=...]"
            if len(parts) >= 3 and parts[0] == "deb" and parts[2] == suite:
                return parts[1].rstrip("/")
    return DEFAULT_MIRROR


def debootstrap_tar(dest: Path, suite: str, include: Sequence[str], mirror: str) -> None:
    if os.geteuid() != 0:
        raise SystemExit("build_base: debootstrap needs root")
    work = Path(tempfile.mkdtemp(prefix="debootstrap-", dir=CACHE))
    root = work / "rootfs"
    try:
        cmd = ["debootstrap", "--variant=minbase"]
        if include:
            cmd.append("--include=" + ",".join(include))
        cmd += [suite, str(root), mirror]
        log(" ".join(cmd))
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        # Like the official image: no device nodes, package caches or apt lists.
        excludes = [
            "./dev/*",
            "./proc/*",
            "./sys/*",
            "./run/*",
            "./tmp/*",
            "./var/cache/apt/*.bin",
            "./var/cache/apt/archives/*.deb",
            "./var/lib/apt/lists/*",
            "./var/log/*",
        ]
        tar_cmd = ["tar", "--numeric-owner", "--xattrs", "--xattrs-include=*"]
        tar_cmd += [f"--exclude={e}" for e in excludes]
        tar_cmd += ["-C", str(root), "-cf", str(dest), "."]
        subprocess.run(tar_cmd, check=True)
    finally:
        _remove_tree(root)
        shutil.rmtree(work, ignore_errors=True)


def _remove_tree(root: Path) -> None:
    """Remove a debootstrap tree, first unmounting anything an interrupted run left mounted."""
    if not root.exists():
        return
    prefix = str(root.resolve()) + "/"
    mounts = [
        line.split()[1]
        for line in Path("/proc/self/mounts").read_text().splitlines()
        if len(line.split()) > 1 and line.split()[1].startswith(prefix)
    ]
    for mountpoint in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", mountpoint], check=False)
    subprocess.run(["rm", "-rf", "--one-file-system", str(root)], check=False)


def ensure_debian(podman: Podman) -> bool:
    mirror = apt_mirror()
    key = _key("debian", DEBIAN_SUITE, mirror, *sorted(DEBIAN_INCLUDE))
    return ensure_image(
        podman,
        DEBIAN_TAG,
        key,
        lambda dest: debootstrap_tar(dest, DEBIAN_SUITE, DEBIAN_INCLUDE, mirror),
        [f"ENV {PATH_ENV}", 'CMD ["bash"]'],
    )


# --- busybox ----------------------------------------------------------------------------------

BUSYBOX = Path("/bin/busybox")
BUSYBOX_PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
BUSYBOX_GROUP = "root:x:0:\nnogroup:x:65534:\n"


def busybox_tar(dest: Path) -> None:
    """Pack busybox-static, its applets as symlinks, and a minimal /etc, owned by root."""
    applets = subprocess.run(
        [str(BUSYBOX), "--list"], check=True, capture_output=True, text=True
    ).stdout.split()
    mtime = int(BUSYBOX.stat().st_mtime)

    def info(name: str, kind: bytes, mode: int, **kw: object) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(name)
        ti.type = kind
        ti.mode = mode
        ti.mtime = mtime
        ti.uname = ti.gname = "root"
        for attr, value in kw.items():
            setattr(ti, attr, value)
        return ti

    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for d, mode in [
            ("bin", 0o755),
            ("dev", 0o755),
            ("etc", 0o755),
            ("home", 0o755),
            ("proc", 0o555),
            ("root", 0o700),
            ("sys", 0o555),
            ("tmp", 0o1777),
            ("usr", 0o755),
            ("usr/bin", 0o755),
            ("var", 0o755),
        ]:
            tar.addfile(info(d, tarfile.DIRTYPE, mode))
        with BUSYBOX.open("rb") as fh:
            tar.addfile(
                info("bin/busybox", tarfile.REGTYPE, 0o755, size=BUSYBOX.stat().st_size), fh
            )
        for applet in sorted(set(applets) - {"busybox"}):
            tar.addfile(info(f"bin/{applet}", tarfile.SYMTYPE, 0o777, linkname="busybox"))
        for name, text in [("etc/passwd", BUSYBOX_PASSWD), ("etc/group", BUSYBOX_GROUP)]:
            data = text.encode()
            tar.addfile(info(name, tarfile.REGTYPE, 0o644, size=len(data)), io.BytesIO(data))


def ensure_busybox(podman: Podman) -> bool:
    digest = hashlib.sha256(BUSYBOX.read_bytes()).hexdigest()
    key = _key("busybox", digest, BUSYBOX_PASSWD, BUSYBOX_GROUP)
    return ensure_image(
        podman,
        BUSYBOX_TAG,
        key,
        busybox_tar,
        ["ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin", 'CMD ["sh"]'],
    )


BASES: dict[str, Callable[[Podman], bool]] = {"debian": ensure_debian, "busybox": ensure_busybox}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("bases", nargs="*", metavar="|".join(BASES), help="default: all")
    args = parser.parse_args(argv)
    unknown = set(args.bases) - set(BASES)
    if unknown:
        parser.error(f"unknown base(s): {', '.join(sorted(unknown))}")
    podman = Podman.detect()
    for name in args.bases or list(BASES):
        if not BASES[name](podman):
            log(f"{name}: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
