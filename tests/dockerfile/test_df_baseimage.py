"""Base image knowledge: the small table, and local podman storage read from its own files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from unroot.dockerfile.baseimage import lookup, normalize
from unroot.findings import Verdict
from unroot.pipeline.dockerfile import scan_dockerfile


@pytest.mark.parametrize(
    ("ref", "normal"),
    [
        ("debian", "docker.io/library/debian:latest"),
        ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
        ("quay.io/a/b", "quay.io/a/b:latest"),
        ("localhost:5000/x:1", "localhost:5000/x:1"),
    ],
)
def test_normalize(ref: str, normal: str) -> None:
    assert normalize(ref) == normal


def test_table_and_unknown() -> None:
    assert lookup("gcr.io/distroless/java17-debian12:nonroot", local=False).user == "65532"
    assert lookup("gcr.io/distroless/java17-debian12", local=False).user == ""
    assert lookup("cgr.dev/chainguard/python:latest-dev", local=False).source == "unknown"
    assert lookup("scratch", local=False).source == "scratch"
    assert lookup("quay.io/acme/x:1", local=False).user is None


def _fake_storage(root: Path, name: str, config: dict[str, object]) -> Path:
    """A c/storage overlay-images directory holding one image named ``name``."""
    image_id = "f" * 64
    images = root / "overlay-images"
    (images / image_id).mkdir(parents=True)
    (images / "images.json").write_text(json.dumps([{"id": image_id, "names": [name]}]))
    digest = "sha256:" + "c" * 64
    (images / image_id / "manifest").write_text(json.dumps({"config": {"digest": digest}}))
    key = "=" + base64.b64encode(digest.encode()).decode()
    (images / image_id / key).write_text(json.dumps({"config": config}))
    conf = root / "storage.conf"
    conf.write_text(f'[storage]\ndriver = "overlay"\ngraphroot = "{root}"\n')
    return conf


def test_local_storage_config_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _fake_storage(tmp_path / "store", "quay.io/acme/runtime:2.1", {"User": "1001:0"})
    monkeypatch.setenv("CONTAINERS_STORAGE_CONF", str(conf))
    info = lookup("quay.io/acme/runtime:2.1", local=True)
    assert (info.user, info.source) == ("1001:0", "local")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM quay.io/acme/runtime:2.1\nCMD run\n")
    assert scan_dockerfile(str(ctx), base_lookup=True).verdict is Verdict.ARBITRARY_UID_READY
    assumed = scan_dockerfile(str(ctx), base_lookup=False)
    assert assumed.verdict is Verdict.ROOT and assumed.info["assumed"] == "user"


def test_local_storage_garbage_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "store"
    (root / "overlay-images").mkdir(parents=True)
    (root / "overlay-images" / "images.json").write_text("{not json")
    conf = root / "storage.conf"
    conf.write_text(f'graphroot = "{root}"\n')
    monkeypatch.setenv("CONTAINERS_STORAGE_CONF", str(conf))
    assert lookup("quay.io/acme/x:1", local=True).source == "unknown"
