"""Hostile images through the real CLI: exit 2, one ``unroot: error:`` line, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_cases import CASES

pytest.importorskip("unroot.cli.scan")


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_rejects_hostile_image(tmp_path: Path, case: str) -> None:
    build, _pattern = CASES[case]
    images = tmp_path / "images"
    images.mkdir()
    ref = build(images)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    before = (listing(images), listing(cwd), listing(tmpdir))
    env = {**os.environ, "TMPDIR": str(tmpdir), "NO_COLOR": "1"}
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
    assert "Traceback" not in proc.stderr + proc.stdout
    assert (listing(images), listing(cwd), listing(tmpdir)) == before
