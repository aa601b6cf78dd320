"""The writer: atomic output (nothing partial on failure), replacing an older layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unroot.oci.load import open_image
from unroot.oci.writer import Entry, layout_writer, tar_directory, write_docker_archive, write_image


def test_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    with pytest.raises(RuntimeError), layout_writer(str(dest)) as w:
        w.add_layer([Entry("a", data=b"1")])
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_bad_entry_type_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        write_image(str(tmp_path / "out"), [[Entry("a", "socket")]])
    assert list(tmp_path.iterdir()) == []


def test_rewrite_replaces_the_old_layout(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    write_image(str(dest), [[Entry("old", data=b"1")]])
    write_image(str(dest), [[Entry("new", data=b"2")]])
    assert {e.path for e in open_image(f"oci:{dest}").tree} == {"", "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    index = json.loads((dest / "index.json").read_text())
    assert len(index["manifests"]) == 1
    assert (dest / "oci-layout").is_file() and oct(dest.stat().st_mode & 0o777) == "0o755"


def test_archives_are_written_whole(tmp_path: Path) -> None:
    write_image(str(tmp_path / "layout"), [[Entry("a", data=b"1")]])
    tar_directory(str(tmp_path / "layout"), str(tmp_path / "o.tar"))
    write_docker_archive(str(tmp_path / "d.tar"), [[Entry("a", data=b"1")]])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.tar", "layout", "o.tar"]
