"""Hostile images through the real CLI: exit 2, one ``unroot: error:`` line, nothing written,
within 10 s and 300 MB (the process and its layer workers, from ``wait4``)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_cases import CASES
from ocikit import member, raw_tar, write_raw_image


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


SECONDS = 10
RSS_MB = 300


def run_scan(
    tmp_path: Path,
    ref: str,
    images: Path,
    pattern: str,
    extra_env: dict[str, str] | None = None,
) -> None:
    """Run ``unroot scan ref`` and check the one-line error contract, the time and the
    peak memory; returns nothing."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    before = (listing(images), listing(cwd), listing(tmpdir))
    env = {**os.environ, "TMPDIR": str(tmpdir), "NO_COLOR": "1", **(extra_env or {})}
    returncode, stdout, stderr, elapsed, peak_mb = _run_measured(
        [sys.executable, "-m", "unroot", "scan", ref], cwd, env
    )
    assert returncode == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("unroot: error: "), stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in stderr + stdout
    assert (listing(images), listing(cwd), listing(tmpdir)) == before
    assert elapsed < SECONDS
    assert peak_mb < RSS_MB, f"peak memory {peak_mb:.0f} MB"


_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
sys.stderr.write(f"\\n@rss {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs the command and reports its peak RSS (``wait4``: the command and its children).
A small process of its own starts the command, because a child forked straight from this
test process would count this process's memory as its own peak."""


def _run_measured(
    argv: list[str], cwd: Path, env: dict[str, str]
) -> tuple[int, str, str, float, float]:
    """Run ``argv``: (exit code, stdout, stderr, seconds, peak RSS in MB); fails after
    :data:`SECONDS`."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _MEASURE, *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"no answer within {SECONDS} s")
    elapsed = time.monotonic() - start
    stderr, _, rss = stderr.rpartition("\n@rss ")
    return proc.returncode, stdout, stderr, elapsed, int(rss) / 1024


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_rejects_hostile_image(tmp_path: Path, case: str) -> None:
    build, pattern, *env = CASES[case]
    images = tmp_path / "images"
    images.mkdir()
    run_scan(tmp_path, build(images), images, pattern, env[0] if env else None)


def test_cli_gzip_bomb_under_configured_limit(tmp_path: Path) -> None:
    """gzip cannot exceed ~1032x, so its bombs meet the size cap (here lowered by env)."""
    images = tmp_path / "images"
    images.mkdir()
    tar = raw_tar([member("zeros", data=bytes(32 << 20))])
    ref = f"oci:{write_raw_image(images / 'img', [tar], 'gzip')}"
    env = {"UNROOT_MAX_LAYER_BYTES": str(8 << 20)}
    run_scan(tmp_path, ref, images, "decompression bomb", env)
