"""Killing a real scan (a CI timeout, ``timeout``, Ctrl-C) leaves nothing behind.

The scan runs in a session of its own; once it is busy in the phase under test (skopeo
copying a local image into a temporary layout, or two layer workers decoding), it gets
SIGTERM or SIGINT. It must exit ``128 + signal`` with one line, remove its temporary
directory, and leave no process in its session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard

from unroot.oci.writer import LAYER_TYPES, REF_NAME, default_config, layout_writer
from unroot.runtime.podman import Podman

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

DEBIAN = "localhost/unroot-base/debian:bookworm"


def _session(sid: int) -> list[tuple[int, int, str]]:
    """(pid, ppid, command name) of the live processes in session ``sid``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append((int(entry), int(fields[1]), name))
    return out


def _session_drained(sid: int, timeout: float = 5.0) -> list[tuple[int, int, str]]:
    """The session's live processes once it emptied or ``timeout`` passed: a worker the
    kernel SIGKILLs when its parent exits may still be tearing down its memory."""
    deadline = time.monotonic() + timeout
    while (left := _session(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _terminate_when(
    argv: list[str],
    env: dict[str, str],
    busy: Callable[[int], bool],
    signum: int,
) -> tuple[int, str, int]:
    """Start ``argv`` in a new session, wait until ``busy(pid)``, send ``signum``; returns
    (exit code, stderr, session id) once it exited (within 20 s of the signal)."""
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not busy(proc.pid):
            assert proc.poll() is None, f"finished before it was busy: {proc.stderr.read()}"  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "never got busy"
            time.sleep(0.05)
        os.kill(proc.pid, signum)
        _, stderr = proc.communicate(timeout=20)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return proc.returncode, stderr, proc.pid


def _zero_layers(dest: Path, count: int, size: int) -> Path:
    """An OCI layout of ``count`` zstd layers, each a tar of one file of ``size`` zeros: a
    few KB on disk, seconds of decoding each (two workers run at once)."""
    import tarfile

    with layout_writer(str(dest)) as w:
        blobs = []
        for i in range(count):
            info = tarfile.TarInfo(f"zeros{i}")
            info.size = size
            cobj = zstandard.ZstdCompressor(level=1).compressobj()
            parts = [cobj.compress(info.tobuf(format=tarfile.USTAR_FORMAT))]
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                parts.append(cobj.compress(block))
            parts.append(cobj.compress(bytes(1024 + i)))  # distinct blobs
            parts.append(cobj.flush())
            blobs.append(w.add_raw_layer(b"".join(parts), LAYER_TYPES["zstd"]))
        manifest = w.add_image(default_config(), blobs)
        w.commit([manifest.descriptor(annotations={REF_NAME: "latest"})])
    return dest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_killed_during_skopeo_copy(
    base_images: dict[str, str], podman: Podman, tmp_path: Path, signum: int
) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = podman.env({**os.environ, "TMPDIR": str(tmpdir)})

    def copying(pid: int) -> bool:
        return any(name == "skopeo" for _, _, name in _session(pid)) and any(tmpdir.iterdir())

    code, stderr, sid = _terminate_when(
        [sys.executable, "-m", "unroot", "scan", f"containers-storage:{DEBIAN}"],
        env,
        copying,
        signum,
    )
    assert code == 128 + signum, stderr
    assert stderr.strip().splitlines() == [
        "unroot: terminated" if signum == signal.SIGTERM else "unroot: interrupted"
    ]
    assert list(tmpdir.iterdir()) == []
    assert _session_drained(sid) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_killed_while_layer_workers_run(tmp_path: Path, signum: int) -> None:
    layout = _zero_layers(tmp_path / "img", 4, 2 << 30)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(tmpdir),
        "UNROOT_SCAN_WORKERS": "2",
        "UNROOT_MAX_LAYER_RATIO": "100000000",
    }

    def two_workers(pid: int) -> bool:
        return sum(1 for _, ppid, _ in _session(pid) if ppid == pid) >= 2

    code, stderr, sid = _terminate_when(
        [sys.executable, "-m", "unroot", "scan", f"oci:{layout}"], env, two_workers, signum
    )
    assert code == 128 + signum, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert _session_drained(sid) == []
    assert list(tmpdir.iterdir()) == []
