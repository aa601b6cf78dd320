"""Transports reached through ``skopeo copy`` into a temporary layout (removed afterwards)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from unroot.errors import ToolError
from unroot.oci.platform import Platform
from unroot.oci.skopeo import read_via_skopeo, skopeo_args
from unroot.oci.writer import Entry, default_config, tar_directory, write_image

needs_skopeo = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo not installed")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    layers = [[Entry("usr/bin/su", data=b"su", mode=0o4755), Entry("etc/passwd", data=b"r\n")]]
    write_image(str(tmp_path / "layout"), layers, default_config(User="0"))
    return Path(tar_directory(str(tmp_path / "layout"), str(tmp_path / "img.tar")))


@pytest.mark.slow
@needs_skopeo
def test_skopeo_copy_then_native_read(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    image = read_via_skopeo(f"oci-archive:{archive}", "ref")
    su = image.tree.get("usr/bin/su")
    assert su is not None and su.setuid
    assert image.config.user == "0"
    assert image.tree.read_text("etc/passwd") == "r\n"
    assert list(tmpdir.iterdir()) == []  # the temporary layout is gone


@needs_skopeo
def test_skopeo_failure_is_tool_error_with_its_message(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"skopeo copy .* failed: .*"):
        read_via_skopeo(f"oci-archive:{tmp_path / 'missing.tar'}", "ref")


def test_missing_skopeo_is_tool_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolError, match="skopeo is needed"):
        read_via_skopeo("containers-storage:x", "x")


def test_skopeo_arguments() -> None:
    args = skopeo_args(
        "docker://127.0.0.1:5000/a", "oci:/t:image", Platform("linux", "arm", "v7"), False
    )
    assert args[:7] == [
        "skopeo",
        "--override-os",
        "linux",
        "--override-arch",
        "arm",
        "--override-variant",
        "v7",
    ]
    assert "--src-tls-verify=false" in args and args[-2:] == [
        "docker://127.0.0.1:5000/a",
        "oci:/t:image",
    ]
    assert "--src-tls-verify=false" not in skopeo_args("containers-storage:x", "d", None, False)
    assert os.path.basename(args[0]) == "skopeo"
