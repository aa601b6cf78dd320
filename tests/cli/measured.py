"""Run the real ``unroot`` command as a hostile input would meet it: in a subprocess, with
a deadline, its peak memory measured (``wait4`` in a small parent of its own, so this test
process's memory is not counted), and the tree it may touch compared before and after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SECONDS = 10
RSS_MB = 300

_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
sys.stderr.buffer.write(b"\\n@rss %d\\n" % usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: bytes
    stderr: bytes
    seconds: float
    peak_mb: float

    @property
    def err_lines(self) -> list[str]:
        text = self.stderr.decode("utf-8", "replace")
        return [line for line in text.splitlines() if line.strip()]


def run_unroot(
    argv: list[str],
    cwd: Path,
    *,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> Outcome:
    """``python -m unroot ARGV``: its exit code, output, wall time and peak RSS; the test
    fails after :data:`SECONDS`."""
    tmpdir = cwd / ".tmp"
    tmpdir.mkdir(exist_ok=True)
    full_env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(tmpdir), **(env or {})}
    full_env.pop("UNROOT_DEBUG", None)
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "unroot", *argv],
        cwd=cwd,
        env=full_env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(stdin, timeout=SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"unroot {' '.join(argv)[:200]}: no answer within {SECONDS} s")
    seconds = time.monotonic() - start
    stderr, _, rss = stderr.rpartition(b"\n@rss ")
    return Outcome(proc.returncode, stdout, stderr, seconds, int(rss) / 1024)


def tree(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every path below ``root`` with its mode, size and (for small files) content."""
    out: dict[str, tuple[int, int, bytes]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        content = b""
        if path.is_file() and not path.is_symlink() and st.st_size < 1 << 16:
            content = path.read_bytes()
        out[str(path.relative_to(root))] = (st.st_mode, st.st_size, content)
    return out


def assert_bounded(outcome: Outcome) -> None:
    """Within the time and memory limits, and no traceback anywhere."""
    assert outcome.seconds < SECONDS
    assert outcome.peak_mb < RSS_MB, f"peak memory {outcome.peak_mb:.0f} MB"
    assert b"Traceback" not in outcome.stderr + outcome.stdout
    assert outcome.code != 3, outcome.stderr


def assert_refused(outcome: Outcome, pattern: str) -> None:
    """Exit 2 with exactly one ``unroot: error:`` line matching ``pattern``, no output."""
    import re

    assert_bounded(outcome)
    assert outcome.code == 2, outcome.stderr
    lines = outcome.err_lines
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("unroot: error: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    assert outcome.stdout == b"", outcome.stdout[:500]
