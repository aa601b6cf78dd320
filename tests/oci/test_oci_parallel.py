"""Layers scanned in worker processes give exactly what the in-process scan gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from ocikit import blob_file, manifest_of

from unroot.errors import InputError, UsageError
from unroot.oci.layers import scan_workers
from unroot.oci.load import open_image
from unroot.oci.model import Image
from unroot.oci.tarstream import REG, TarEntry
from unroot.oci.tree import TreeBuilder
from unroot.oci.writer import Entry, default_config, tar_directory, write_image

LAYERS = [
    [
        Entry("etc", "dir"),
        Entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n"),
        Entry("etc/old.conf", data=b"old"),
        Entry("usr", "dir"),
        Entry("usr/bin", "dir"),
        Entry("usr/bin/tool", data=b"t" * 5000, mode=0o4755),
        Entry("usr/bin/tool-link", "hardlink", linkname="usr/bin/tool", mode=0o4755),
        Entry("opt", "dir"),
        Entry("opt/a", data=b"a"),
    ],
    [
        Entry("etc/old.conf", "whiteout"),
        Entry("opt", "opaque"),
        Entry("opt/b", data=b"b"),
        Entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\napp:x:1001:0::/app:/bin/sh\n"),
    ],
    [
        Entry(
            "usr/bin/ping",
            data=b"p",
            xattrs={"security.capability": b"\x01\x00\x00\x02" + bytes(16)},
        ),
        Entry("app", "dir", mode=0o775, uid=1001),
        Entry("app/run.sh", data=b"#!/bin/sh\nexec app\n", mode=0o755),
        Entry("etc/passwd", "whiteout"),
    ],
]


def view(image: Image) -> tuple[list[tuple[object, ...]], dict[str, bytes | None]]:
    entries: list[tuple[object, ...]] = sorted(
        (e.path, e.type, e.mode, e.uid, e.gid, e.size, e.linkname, e.xattrs, e.layer)
        for e in image.tree
    )
    return entries, {e.path: image.tree.read(e.path) for e in image.tree}


@pytest.mark.parametrize("transport", ["oci", "oci-archive"])
def test_workers_match_in_process_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    layout = tmp_path / "img"
    write_image(str(layout), LAYERS, default_config(), compression=["gzip", "zstd", "gzip"])
    ref = f"oci:{layout}"
    if transport == "oci-archive":
        tar_directory(str(layout), str(tmp_path / "img.tar"))
        ref = f"oci-archive:{tmp_path / 'img.tar'}"
    monkeypatch.setenv("UNROOT_SCAN_WORKERS", "1")
    alone = open_image(ref)
    seen: list[int] = []
    monkeypatch.setenv("UNROOT_SCAN_WORKERS", "2")
    workers = open_image(ref, progress=lambda i, n, layer: seen.append(i))
    assert view(workers) == view(alone)
    assert seen == [0, 1, 2]
    paths = {e.path for e in workers.tree}
    # whiteouts, the opaque directory and the hardlink all took effect
    assert "etc/old.conf" not in paths and "etc/passwd" not in paths
    assert "opt/a" not in paths and "opt/b" in paths
    assert "usr/bin/tool-link" in paths
    assert workers.tree.read("app/run.sh") == b"#!/bin/sh\nexec app\n"


def test_worker_errors_reach_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layout = tmp_path / "img"
    write_image(str(layout), LAYERS, default_config())
    layers = manifest_of(layout)["layers"]
    assert isinstance(layers, list)
    second = blob_file(layout, layers[1]["digest"])
    data = bytearray(second.read_bytes())
    data[len(data) // 2] ^= 0xFF
    second.write_bytes(bytes(data))
    monkeypatch.setenv("UNROOT_SCAN_WORKERS", "2")
    with pytest.raises(InputError, match=r"^layer 2 \(sha256:"):
        open_image(f"oci:{layout}")


def test_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from unroot.oci.layers import LayerSpec
    from unroot.oci.model import LayerInfo

    def specs(n: int, size: int) -> list[LayerSpec]:
        info = LayerInfo(digest="sha256:" + "0" * 64, media_type="", size=size)
        return [LayerSpec(info=info, source=None, name="x") for _ in range(n)]  # type: ignore[arg-type]

    assert scan_workers(specs(1, 1 << 40), {}) == 1
    assert scan_workers(specs(4, 1024), {}) == 1  # small: forking would cost more
    assert scan_workers(specs(4, 1024), {"UNROOT_SCAN_WORKERS": "3"}) == 3
    assert scan_workers(specs(2, 1024), {"UNROOT_SCAN_WORKERS": "8"}) == 2
    with pytest.raises(UsageError):
        scan_workers(specs(2, 1024), {"UNROOT_SCAN_WORKERS": "many"})


def test_merge_applies_the_capture_budget() -> None:
    """Content parsed by a worker is dropped at merge time exactly where ``want`` would
    have refused to read it."""

    def entry(name: str, data: bytes) -> TarEntry:
        e = TarEntry(name, REG, 0o644, 0, 0, len(data), "", None, 0, 0)
        e.data = data
        return e

    builder = TreeBuilder(lambda p, s: True, max_total=10)
    layer = [entry("a", b"123456"), entry("b", b"12345"), entry("c", b"123"), entry("d", b"1")]
    builder.apply(layer, "sha256:x", 0, recheck_budget=True)
    builder.apply([entry("a", b"1"), entry("e", b"12345")], "sha256:y", 1, recheck_budget=True)
    tree = builder.tree()
    # a (6) fits; b would make 11: dropped; c (9) and d (10) fit. In the next layer, a new a
    # would make 11 as ``want`` counts (before the old a is dropped): not read, and the old
    # content goes with the old file (total 4), so e fits (total 9)
    assert tree.read("b") is None and tree.read("c") == b"123" and tree.read("d") == b"1"
    assert tree.read("a") is None and tree.read("e") == b"12345"


def test_merge_error_stops_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error found while merging (here a hardlink to a path no layer has) is raised
    while later workers may still be running or writing; none is left behind."""
    big = [Entry(f"d/f{i}", data=b"x" * 100) for i in range(20_000)]
    layers = [[Entry("d", "dir")], [Entry("bad", "hardlink", linkname="missing")], big, big]
    write_image(str(tmp_path / "img"), layers, default_config())
    monkeypatch.setenv("UNROOT_SCAN_WORKERS", "2")
    with pytest.raises(InputError, match="hardlink 'bad' points to 'missing'"):
        open_image(f"oci:{tmp_path / 'img'}")
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child of this process is left, not even a zombie


def _session_processes(sid: int) -> list[int]:
    """Processes still alive (not zombies) in session ``sid``."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            alive.append(int(entry))
    return alive


POSITIONS = 4


@pytest.mark.parametrize("position", range(POSITIONS))
@pytest.mark.parametrize("where", ["worker", "merge"])
def test_an_error_in_any_worker_ends_the_scan(tmp_path: Path, position: int, where: str) -> None:
    """Four layers, each more entries than a pipe holds, two workers at a time; an error
    in layer ``position``, found by its worker (corrupt data) or by the parent while it
    merges the layer's first batch (a hardlink out of the layer, the layer's first entry).
    The scan must exit 2 promptly naming that layer, and leave no process behind."""
    layers = []
    for i in range(POSITIONS):
        entries = [Entry(f"l{i}", "dir")] + [Entry(f"l{i}/f{j}", data=b"") for j in range(12000)]
        if where == "merge" and i == position:
            entries.insert(0, Entry(f"l{i}-bad", "hardlink", linkname="missing"))
        layers.append(entries)
    layout = tmp_path / "img"
    write_image(str(layout), layers, default_config())
    if where == "worker":
        blobs = manifest_of(layout)["layers"]
        assert isinstance(blobs, list)
        blob = blob_file(layout, blobs[position]["digest"])
        data = bytearray(blob.read_bytes())
        data[len(data) // 3 : len(data) // 3 + 64] = bytes(64)
        blob.write_bytes(bytes(data))
    env = {**os.environ, "UNROOT_SCAN_WORKERS": "2", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "unroot", "scan", f"oci:{layout}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the scan hangs")
    assert proc.returncode == 2, stderr
    assert stderr.startswith(f"unroot: error: layer {position + 1} (sha256:"), stderr
    assert _session_processes(proc.pid) == []
