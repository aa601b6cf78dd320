"""The base-image builder's pure parts: mirror discovery and the busybox rootfs tarball."""

from __future__ import annotations

import importlib.util
import stat
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build_base() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_base", REPO / "scripts" / "build_base.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_base", module)
    spec.loader.exec_module(module)
    return module


def test_mirror_from_deb822_skips_security_and_source_blocks(
    build_base: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n"
        "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\n"
        "Components: main\n\n"
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
    )
    assert build_base.apt_mirror(tmp_path) == "http://mirror.example/debian"


def test_mirror_from_one_line_sources(build_base: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "# comment\ndeb [signed-by=/k.gpg] http://one.example/debian bookworm main\n"
    )
    assert build_base.apt_mirror(tmp_path) == "http://one.example/debian"


def test_mirror_default_without_sources(build_base: ModuleType, tmp_path: Path) -> None:
    assert build_base.apt_mirror(tmp_path) == build_base.DEFAULT_MIRROR


@pytest.mark.skipif(not Path("/bin/busybox").is_file(), reason="busybox-static not installed")
def test_busybox_rootfs(build_base: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "bb.tar"
    build_base.busybox_tar(out)
    with tarfile.open(out) as tar:
        members = {m.name: m for m in tar.getmembers()}
        passwd = tar.extractfile("etc/passwd")
        assert passwd is not None
        users = [line.split(":") for line in passwd.read().decode().splitlines()]
    assert all(m.uid == 0 and m.gid == 0 for m in members.values())
    assert members["bin/busybox"].isfile() and members["bin/busybox"].mode & stat.S_IXUSR
    assert members["bin/sh"].issym() and members["bin/sh"].linkname == "busybox"
    assert members["bin/httpd"].issym()
    assert members["tmp"].mode == 0o1777
    assert users[0][:4] == ["root", "x", "0", "0"]
    assert not any(m.mode & (stat.S_ISUID | stat.S_ISGID) for m in members.values())
