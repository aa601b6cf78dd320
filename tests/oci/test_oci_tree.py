"""Merging layers: whiteouts, opaque dirs, hardlinks, xattrs, modes, capture."""

from __future__ import annotations

from pathlib import Path

import pytest

from unroot.errors import InputError
from unroot.oci.load import open_image
from unroot.oci.model import DeviceEntry, EntryType, Image
from unroot.oci.tree import MAX_FILE, default_capture
from unroot.oci.writer import Entry, default_config, write_image

CAP_V2 = bytes.fromhex("0000000200040000000000000000000000000000")  # cap_net_bind_service


def scan(tmp_path: Path, layers: list[list[Entry]], **kw: object) -> Image:
    dest = tmp_path / "img"
    write_image(str(dest), layers, **kw)  # type: ignore[arg-type]
    return open_image(f"oci:{dest}")


def paths(image: Image) -> set[str]:
    """Every path but the root (which the runtime, not a layer, provides)."""
    return {e.path for e in image.tree if e.path}


def test_metadata_is_kept_per_entry(tmp_path: Path) -> None:
    layers = [
        [
            Entry("usr", "dir"),
            Entry("usr/bin", "dir", mode=0o755),
            Entry("usr/bin/su", data=b"\x7fELF", mode=0o4755, uid=0, gid=0),
            Entry("usr/bin/wall", data=b"w", mode=0o2755, gid=5),
            Entry("usr/bin/ping", data=b"p", mode=0o755, xattrs={"security.capability": CAP_V2}),
            Entry("usr/bin/sh", "symlink", linkname="/bin/busybox"),
            Entry("tmp", "dir", mode=0o1777),
            Entry("run/fifo", "fifo", mode=0o600, uid=7, gid=8),
            Entry("dev", "dir"),
            Entry("dev/null", "char", mode=0o666, devmajor=1, devminor=3),
            Entry("dev/loop0", "block", mode=0o660, gid=6, devmajor=7, devminor=0),
        ],
        [
            Entry("usr/bin/newgrp", data=b"n", mode=0o4755),
            Entry("usr/bin/su-again", "hardlink", linkname="usr/bin/newgrp", mode=0o4755),
        ],
    ]
    image = scan(tmp_path, layers)
    su = image.tree.get("/usr/bin/su")
    assert su is not None and su.setuid and su.mode == 0o4755 and su.size == 4
    assert su.layer == image.layers[0].digest and su.layer_index == 0
    wall = image.tree.get("usr/bin/wall")
    assert wall is not None and wall.setgid and wall.gid == 5
    ping = image.tree.get("usr/bin/ping")
    assert ping is not None and ping.xattrs == {"security.capability": CAP_V2}
    sh = image.tree.get("usr/bin/sh")
    assert sh is not None and sh.type is EntryType.SYMLINK and sh.linkname == "/bin/busybox"
    tmp = image.tree.get("tmp")
    assert tmp is not None and tmp.mode == 0o1777 and tmp.is_dir
    fifo = image.tree.get("run/fifo")
    assert fifo is not None and (fifo.type, fifo.uid, fifo.gid) == (EntryType.FIFO, 7, 8)
    null = image.tree.get("dev/null")
    assert isinstance(null, DeviceEntry) and null.type is EntryType.CHAR
    assert (null.devmajor, null.devminor, null.mode) == (1, 3, 0o666)
    loop = image.tree.get("dev/loop0")
    assert isinstance(loop, DeviceEntry) and loop.type is EntryType.BLOCK
    assert (loop.devmajor, loop.devminor, loop.gid) == (7, 0, 6)
    link = image.tree.get("usr/bin/su-again")
    assert link is not None and link.type is EntryType.HARDLINK and link.setuid
    assert link.linkname == "usr/bin/newgrp" and link.layer == image.layers[1].digest
    assert image.tree.resolve("usr/bin/su-again") is image.tree.get("usr/bin/newgrp")
    root = image.tree.get("/")
    assert root is not None and (root.type, root.mode, root.uid, root.gid) == (
        EntryType.DIR,
        0o555,
        0,
        0,
    )


def test_whiteout_removes_path_and_below_from_lower_layers(tmp_path: Path) -> None:
    layers = [
        [Entry("a/b/c", data=b"1"), Entry("a/keep", data=b"2"), Entry("x", data=b"3")],
        [Entry("a/b", "whiteout"), Entry("x", "whiteout")],
    ]
    assert paths(scan(tmp_path, layers)) == {"a", "a/keep"}


def test_whiteout_then_recreate_in_same_layer(tmp_path: Path) -> None:
    """The extractor replaces the whiteout with the new directory, which is not opaque:
    the lower contents show through again (what podman extracts)."""
    layers = [
        [Entry("d", "dir"), Entry("d/old", data=b"1")],
        [Entry("d", "whiteout"), Entry("d", "dir", mode=0o700), Entry("d/new", data=b"2")],
    ]
    image = scan(tmp_path, layers)
    assert paths(image) == {"d", "d/new", "d/old"}
    d = image.tree.get("d")
    assert d is not None and d.mode == 0o700


@pytest.mark.parametrize("marker_first", [True, False])
def test_opaque_dir_hides_only_lower_layers(tmp_path: Path, marker_first: bool) -> None:
    upper = [Entry("etc/app/new.conf", data=b"n")]
    marker = Entry("etc/app", "opaque")
    upper = [marker, *upper] if marker_first else [*upper, marker]
    layers = [
        [
            Entry("etc/app/old.conf", data=b"o"),
            Entry("etc/app/sub/x", data=b"x"),
            Entry("etc/other"),
        ],
        [Entry("etc/app", "dir"), *upper],
    ]
    assert paths(scan(tmp_path, layers)) == {"etc", "etc/app", "etc/app/new.conf", "etc/other"}


def test_overlay_style_whiteouts(tmp_path: Path) -> None:
    layers = [
        [Entry("a/one", data=b"1"), Entry("b/two", data=b"2"), Entry("b/three", data=b"3")],
        [
            Entry("a/one", "char", devmajor=0, devminor=0),
            Entry("b", "dir", xattrs={"trusted.overlay.opaque": b"y"}),
            Entry("b/four", data=b"4"),
        ],
    ]
    assert paths(scan(tmp_path, layers)) == {"a", "b", "b/four"}


def test_file_replacing_directory_drops_its_children(tmp_path: Path) -> None:
    layers = [
        [Entry("d", "dir"), Entry("d/x", data=b"1"), Entry("d/y", data=b"2")],
        [Entry("d", data=b"now a file")],
    ]
    image = scan(tmp_path, layers)
    assert paths(image) == {"d"}


def test_later_layer_overrides_metadata_and_content(tmp_path: Path) -> None:
    layers = [
        [Entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n")],
        [Entry("etc/passwd", data=b"app:x:1001:0::/app:/bin/sh\n", mode=0o664, gid=0, uid=1001)],
    ]
    image = scan(tmp_path, layers)
    entry = image.tree.get("etc/passwd")
    assert entry is not None and (entry.uid, entry.mode, entry.layer_index) == (1001, 0o664, 1)
    assert image.tree.read_text("etc/passwd") == "app:x:1001:0::/app:/bin/sh\n"


def test_default_capture_selection(tmp_path: Path) -> None:
    big = b"#" * (MAX_FILE + 1)
    layers = [
        [
            Entry("etc/group", data=b"root:x:0:\n"),
            Entry("etc/huge.conf", data=big),
            Entry("opt/run.sh", data=b"#!/bin/sh\n"),
            Entry("usr/local/bin/tool", data=b"bin"),
            Entry("docker-entrypoint.d/10-x", data=b"x"),
            Entry("srv/my-entrypoint", data=b"e"),
            Entry("opt/app/server", data=b"s"),
            Entry("opt/app/data.bin", data=b"d"),
        ]
    ]
    config = default_config(Entrypoint=["/opt/app/server"], Cmd=["--port", "80"])
    image = scan(tmp_path, layers, config=config)
    assert set(image.tree.captured_paths()) == {
        "etc/group",
        "opt/run.sh",
        "usr/local/bin/tool",
        "docker-entrypoint.d/10-x",
        "srv/my-entrypoint",
        "opt/app/server",
    }
    assert image.tree.read("etc/huge.conf") is None


def test_capture_predicate_and_budget(tmp_path: Path) -> None:
    layers = [[Entry(f"data/{i}", data=bytes([i]) * 1000) for i in range(10)]]
    dest = tmp_path / "img"
    write_image(str(dest), layers)
    seen: list[tuple[str, int]] = []

    def capture(path: str, size: int) -> bool:
        seen.append((path, size))
        return path.endswith(("3", "4"))

    image = open_image(f"oci:{dest}", capture=capture)
    assert set(image.tree.captured_paths()) == {"data/3", "data/4"}
    assert image.tree.read("data/3") == b"\x03" * 1000
    assert seen == [(f"data/{i}", 1000) for i in range(10)]


def test_default_capture_predicate_alone() -> None:
    cap = default_capture(["/app/start", ""])
    assert cap("app/start", 10) and cap("etc/passwd", 10) and not cap("etc/passwd", MAX_FILE + 1)
    assert cap("usr/bin/docker-entrypoint", 5) and not cap("usr/bin/ls", 5)


@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_every_compression_gives_the_same_tree(tmp_path: Path, compression: str) -> None:
    layers = [[Entry("a", data=b"1", mode=0o4711)], [Entry("b", "symlink", linkname="a")]]
    image = scan(tmp_path, layers, compression=compression)
    got = sorted((e.path, e.type, e.mode, e.linkname, e.layer_index) for e in image.tree if e.path)
    assert got == [("a", EntryType.FILE, 0o4711, "", 0), ("b", EntryType.SYMLINK, 0o777, "a", 1)]


def test_non_escaping_dotdot_is_normalised(tmp_path: Path) -> None:
    image = scan(
        tmp_path, [[Entry("./a/../b/c", data=b"1"), Entry("d", "symlink", linkname="b/../c")]]
    )
    assert paths(image) == {"b", "b/c", "d"}


def test_hardlink_to_unknown_path_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="which this layer does not contain"):
        scan(tmp_path, [[Entry("x", "hardlink", linkname="nowhere")]])


def test_startup_paths_from_config() -> None:
    from unroot.oci.config import startup_paths
    from unroot.oci.model import ImageConfig

    config = ImageConfig(
        entrypoint=["/bin/sh", "-c", "exec /app/start.sh --port=80"],
        cmd=["./bin/serve", "--config=/etc/x", "plain"],
        working_dir="/srv",
    )
    assert startup_paths(config) == ["/bin/sh", "/app/start.sh", "/srv/./bin/serve"]
