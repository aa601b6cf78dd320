"""Every hostile image input is an InputError with one clear line."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from hostile_cases import CASES

from unroot.errors import InputError
from unroot.oci.decompress import LayerStream, Limits
from unroot.oci.load import open_image


@pytest.fixture(autouse=True, params=[False, True], ids=["inline", "threaded"])
def decoder_thread(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case with the layer decoder inline and in its helper thread."""
    monkeypatch.setattr(LayerStream, "_default_threaded", request.param)


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_rejected(tmp_path: Path, case: str) -> None:
    build, pattern = CASES[case]
    ref = build(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(InputError) as info:
        open_image(ref)
    message = str(info.value)
    assert re.search(pattern, message), message
    assert "\n" not in message and len(message) < 400
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before
    assert not [t for t in threading.enumerate() if t.name == "unroot-layer-decoder"]


def test_bomb_stops_under_a_small_limit(tmp_path: Path) -> None:
    build, _ = CASES["decompression-bomb"]
    ref = build(tmp_path)
    with pytest.raises(InputError, match="more than 1048576 bytes"):
        open_image(ref, limits=Limits(max_uncompressed=1 << 20, max_ratio=10**9))
