"""Every hostile input is an InputError with one clear line, soon (in process; the CLI test
checks exit code, time and memory of the real command)."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest
from hostile_cases import CASES
from ocikit import member, raw_tar, write_raw_image

from unroot.errors import InputError
from unroot.oci.decompress import LayerStream
from unroot.oci.limits import Limits
from unroot.oci.load import open_image


@pytest.fixture(autouse=True, params=[False, True], ids=["inline", "threaded"])
def decoder_thread(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case with the layer decoder inline and in its helper thread."""
    monkeypatch.setattr(LayerStream, "_default_threaded", request.param)


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_rejected(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, pattern, *env = CASES[case]
    for key, value in (env[0] if env else {}).items():
        monkeypatch.setenv(key, value)
    ref = build(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    start = time.monotonic()
    with pytest.raises(InputError) as info:
        open_image(ref)
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert re.search(pattern, message), message
    assert "\n" not in message and len(message) < 400
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before
    assert not [t for t in threading.enumerate() if t.name == "unroot-layer-hash"]


def test_bomb_stops_under_a_small_limit(tmp_path: Path) -> None:
    build, _ = CASES["decompression-bomb"]
    ref = build(tmp_path)
    with pytest.raises(InputError, match="more than 1048576 bytes"):
        open_image(ref, limits=Limits(max_uncompressed=1 << 20, max_ratio=10**9))


def test_deep_paths_and_a_whiteout_are_quick(tmp_path: Path) -> None:
    """Paths as deep as the kernel allows (2,000 components), many of them, and one
    whiteout above them all: pruning and resolution are linear in the path's length."""
    deep = "/".join(["d"] * 2000)
    lower = raw_tar([member(f"{deep}/{i}", data=b"") for i in range(3000)])
    upper = raw_tar([member("d/.wh.d", data=b"")])
    ref = f"oci:{write_raw_image(tmp_path / 'img', [lower, upper])}"
    start = time.monotonic()
    image = open_image(ref)
    assert time.monotonic() - start < 10
    assert [e.path for e in image.tree if e.path] == ["d"]
    start = time.monotonic()
    assert image.tree.resolve(deep + "/1") is None
    assert image.tree.resolve("/" + "x/" * 1_000_000) is None
    assert time.monotonic() - start < 1


def test_repeated_small_layer_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A blob the manifest lists again (real images repeat empty layers) is decoded once and
    applied at each listing."""
    from ocikit import rewrite_manifest

    dest = write_raw_image(tmp_path / "img", [raw_tar([member("etc/x", data=b"1")])])

    def edit(m: dict[str, object]) -> None:
        layers = m["layers"]
        assert isinstance(layers, list)
        m["layers"] = layers * 5

    rewrite_manifest(dest, edit)
    opened: list[str] = []
    real_open = os.open

    def counting_open(path: str, *args: object, **kw: object) -> int:
        opened.append(str(path))
        return real_open(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", counting_open)
    image = open_image(f"oci:{dest}")
    assert len(image.layers) == 5
    entry = image.tree.get("etc/x")
    assert entry is not None and entry.layer_index == 4
    layer_blob = image.layers[0].digest.split(":")[1]
    assert sum(1 for p in opened if p.endswith(layer_blob)) == 1
