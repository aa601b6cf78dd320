"""Outputs and in-place rewrites (unroot.files.write) on real files, links and devices."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from unroot.errors import UsageError
from unroot.files.write import Snapshot, rewrite, write_output


def snapshot(path: Path) -> Snapshot:
    with path.open("rb") as fh:
        data = fh.read()
        return Snapshot.of(os.fstat(fh.fileno()), data)


def test_new_file_is_complete_and_alone(tmp_path: Path) -> None:
    assert write_output(str(tmp_path / "r.txt"), b"report\n") == []
    assert (tmp_path / "r.txt").read_bytes() == b"report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_replace_keeps_mode_and_owner(tmp_path: Path) -> None:
    target = tmp_path / "m.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    os.chown(target, 1234, 5678)
    rewrite(str(target), b"new\n", snapshot(target))
    st = target.stat()
    assert target.read_text() == "new\n"
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o640, 1234, 5678)
    assert [p.name for p in tmp_path.iterdir()] == ["m.yaml"]


def test_symlink_writes_its_target_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    target = real / "m.yaml"
    target.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    rewrite(str(link), b"new\n", snapshot(link))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in real.iterdir()) == ["m.yaml"]


def test_read_only_file_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "m.yaml"
    target.write_text("old\n")
    target.chmod(0o444)
    with pytest.raises(UsageError, match="read-only"):
        rewrite(str(target), b"new\n", snapshot(target))
    assert target.read_text() == "old\n"
    rewrite(str(target), b"new\n", snapshot(target), force=True)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_concurrent_edit_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "m.yaml"
    target.write_text("old\n")
    seen = snapshot(target)
    target.write_text("someone else's edit\n")
    with pytest.raises(UsageError, match="changed since it was read"):
        rewrite(str(target), b"new\n", seen)
    assert target.read_text() == "someone else's edit\n"


def test_same_size_edit_with_same_mtime_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "m.yaml"
    target.write_text("aaaa\n")
    seen = snapshot(target)
    before = target.stat()
    target.write_text("bbbb\n")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(UsageError, match="changed since it was read"):
        rewrite(str(target), b"new\n", seen)


def test_hard_links_are_reported(tmp_path: Path) -> None:
    target = tmp_path / "m.yaml"
    target.write_text("old\n")
    os.link(target, tmp_path / "other.yaml")
    notes = rewrite(str(target), b"new\n", snapshot(target))
    assert any("hard link" in note for note in notes)
    assert (tmp_path / "other.yaml").read_text() == "old\n"


def test_dev_null_is_written_not_replaced() -> None:
    before = os.stat("/dev/null")
    write_output("/dev/null", b"report\n")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_rewrite_refuses_special_files() -> None:
    seen = Snapshot(0, 0, 0, 0, "")
    with pytest.raises(UsageError, match="not a regular file"):
        rewrite("/dev/null", b"x", seen)


def test_fifo_with_a_reader_gets_the_report(tmp_path: Path) -> None:
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    reader = subprocess.Popen(
        [sys.executable, "-c", f"print(open({str(fifo)!r}).read(), end='')"],
        stdout=subprocess.PIPE,
        text=True,
    )
    for _ in range(100):  # wait until the reader has the FIFO open
        try:
            write_output(str(fifo), b"report\n")
            break
        except UsageError:
            time.sleep(0.05)
    out, _ = reader.communicate(timeout=10)
    assert out == "report\n"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_unwritable_place_is_one_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match=r"Not a directory|does not exist"):
        write_output(str(tmp_path / "file" / "r.txt"), b"x")
    with pytest.raises(UsageError, match="does not exist"):
        write_output(str(tmp_path / "none" / "r.txt"), b"x")
    with pytest.raises(UsageError, match="kernel file"):
        write_output("/proc/sys/kernel/hostname", b"x")
