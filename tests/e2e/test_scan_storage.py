"""``containers-storage:`` images reach the reader through ``skopeo copy``: layers that the
storage keeps uncompressed must arrive uncompressed (no re-compression on the way), and the
tree must be the one read from a ``podman save`` archive of the same image."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from unroot.oci import skopeo
from unroot.oci.load import open_image
from unroot.oci.model import FileTree
from unroot.runtime.podman import Podman

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

DEBIAN = "localhost/unroot-base/debian:bookworm"


def _facts(tree: FileTree) -> dict[str, tuple[Any, ...]]:
    """Every path with what the rules read of it; the layer's digest is left out (an archive
    may store the layer compressed, so its blob digest differs)."""
    return {
        e.path: (e.type, e.mode, e.uid, e.gid, e.size, e.linkname, e.xattrs, e.layer_index)
        for e in tree
    } | {f"content:{p}": (tree.read(p),) for p in tree.captured_paths()}


def test_storage_layers_copied_uncompressed_and_read_alike(
    podman: Podman, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in podman.env().items():
        monkeypatch.setenv(key, value)
    media_types: list[str] = []
    read_layout = skopeo.read_layout

    def spy(layout: str, *args: Any, **kwargs: Any) -> Any:
        index = json.loads(Path(layout, "index.json").read_text())
        algo, hexa = index["manifests"][0]["digest"].split(":")
        manifest = json.loads(Path(layout, "blobs", algo, hexa).read_text())
        media_types.extend(layer["mediaType"] for layer in manifest["layers"])
        return read_layout(layout, *args, **kwargs)

    monkeypatch.setattr(skopeo, "read_layout", spy)
    stored = open_image(f"containers-storage:{DEBIAN}")
    assert media_types and all(
        t == "application/vnd.oci.image.layer.v1.tar" for t in media_types
    ), media_types

    archive = podman.save(DEBIAN, tmp_path / "debian.tar", "oci-archive")
    saved = open_image(f"oci-archive:{archive}")
    assert len(stored.tree) > 1000
    assert _facts(stored.tree) == _facts(saved.tree)
    assert stored.config == saved.config
