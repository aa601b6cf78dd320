"""Progress per layer goes to stderr only when stderr is a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from layouts import nginx_like


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def test_progress_on_a_terminal_stays_off_stdout(tmp_path: Path) -> None:
    nginx_like(tmp_path / "img")
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm"
    proc = subprocess.Popen(
        [sys.executable, "-m", "unroot", "scan", "--format", "json", f"oci:{tmp_path / 'img'}"],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    stdout, _ = proc.communicate(timeout=120)
    terminal = _read_all(master).decode("utf-8", "replace")
    os.close(master)
    assert proc.returncode == 1
    assert stdout.lstrip().startswith(b"{")  # the report itself is untouched by progress
    assert "layer" in terminal, terminal
