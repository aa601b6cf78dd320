"""Hostile images through the real CLI: exit 2, one ``unroot: error:`` line, nothing written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_cases import CASES
from ocikit import member, raw_tar, write_raw_image


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def run_scan(
    tmp_path: Path,
    ref: str,
    images: Path,
    pattern: str,
    extra_env: dict[str, str] | None = None,
) -> None:
    """Run ``unroot scan ref`` and check the one-line error contract; returns nothing."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    before = (listing(images), listing(cwd), listing(tmpdir))
    env = {**os.environ, "TMPDIR": str(tmpdir), "NO_COLOR": "1", **(extra_env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "unroot", "scan", ref],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("unroot: error: "), proc.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert (listing(images), listing(cwd), listing(tmpdir)) == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_rejects_hostile_image(tmp_path: Path, case: str) -> None:
    build, pattern = CASES[case]
    images = tmp_path / "images"
    images.mkdir()
    run_scan(tmp_path, build(images), images, pattern)


def test_cli_gzip_bomb_under_configured_limit(tmp_path: Path) -> None:
    """gzip cannot exceed ~1032x, so its bombs meet the size cap (here lowered by env)."""
    images = tmp_path / "images"
    images.mkdir()
    tar = raw_tar([member("zeros", data=bytes(32 << 20))])
    ref = f"oci:{write_raw_image(images / 'img', [tar], 'gzip')}"
    env = {"UNROOT_MAX_LAYER_BYTES": str(8 << 20)}
    run_scan(tmp_path, ref, images, "decompression bomb", env)
