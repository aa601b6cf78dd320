"""Fixtures shared by every test folder: where the repository and the shared corpus live.

Only generally useful things belong here; each test folder keeps its own fixtures.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

if TYPE_CHECKING:
    from unroot.runtime.podman import Podman

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout (the directory holding pyproject.toml)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared/conformance`` beside the checkout; skips when it is absent."""
    path = REPO_ROOT.parent / "shared" / "conformance"
    if not path.is_dir():
        pytest.skip(f"shared conformance corpus not found at {path} (expected beside the repo)")
    return path


@pytest.fixture(scope="session")
def podman() -> Podman:
    """The host-configured podman adapter; skips when podman is not usable (fails under make)."""
    from unroot.errors import ToolError
    from unroot.runtime.podman import Podman

    try:
        return Podman.detect()
    except ToolError as exc:
        # `make test` sets UNROOT_REQUIRE_PODMAN so CI fails instead of silently skipping.
        if os.environ.get("UNROOT_REQUIRE_PODMAN") == "1":
            pytest.fail(f"podman is required but not usable: {exc}")
        pytest.skip(f"podman not usable here ({exc}); `make test` installs it")


@pytest.fixture(scope="session")
def base_images(podman: Podman) -> dict[str, str]:
    """Make sure the local base images exist (built once, cached); returns name -> tag.

    ``make test`` builds them before pytest starts; this keeps a bare ``pytest`` run working.
    """
    script = REPO_ROOT / "scripts" / "build_base.py"
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        pytest.fail(f"building base images failed:\n{proc.stderr[-4000:]}")
    return {
        "debian": "localhost/unroot-base/debian:bookworm",
        "busybox": "localhost/unroot-base/busybox:latest",
    }


class ImageBuilder(Protocol):
    """``build_image(name, containerfile, files=None) -> tag``."""

    def __call__(
        self, name: str, containerfile: str, files: dict[str, str | bytes] | None = None
    ) -> str: ...


@pytest.fixture(scope="session")
def build_image(podman: Podman, base_images: dict[str, str]) -> ImageBuilder:
    """Build a Containerfile (plus files for its context) into a content-tagged local image.

    The tag is ``localhost/unroot-test/NAME:HASH`` with HASH over the Containerfile, the files
    and the base images' ids, so an unchanged image is reused across runs, a rebuilt base
    invalidates it, and parallel workers never clash.
    """
    base_ids = "".join(podman.image_inspect(tag)["Id"] for tag in sorted(base_images.values()))

    def build(name: str, containerfile: str, files: dict[str, str | bytes] | None = None) -> str:
        files = files or {}
        digest = hashlib.sha256(base_ids.encode() + b"\0" + containerfile.encode())
        for path in sorted(files):
            content = files[path]
            digest.update(path.encode() + b"\0")
            digest.update(content.encode() if isinstance(content, str) else content)
        tag = f"localhost/unroot-test/{name}:{digest.hexdigest()[:16]}"
        if podman.image_exists(tag):
            return tag
        # pytest-xdist may run two tests needing the same image at once: build it once.
        lock_dir = REPO_ROOT / ".cache" / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / f"image-{name}.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not podman.image_exists(tag):
                _build_context(podman, tag, name, containerfile, files)
                _remove_older_tags(podman, tag)
        return tag

    return build


def _build_context(
    podman: Podman, tag: str, name: str, containerfile: str, files: dict[str, str | bytes]
) -> None:
    with tempfile.TemporaryDirectory(prefix=f"unroot-ctx-{name}-") as tmp:
        ctx = Path(tmp)
        (ctx / "Containerfile").write_text(containerfile)
        for rel, content in files.items():
            target = ctx / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                target.write_text(content)
            else:
                target.write_bytes(content)
        podman.build(ctx, tag)


def _remove_older_tags(podman: Podman, tag: str) -> None:
    """Drop earlier builds of the same test image so podman storage does not keep growing."""
    repository = tag.rsplit(":", 1)[0]
    listing = podman.run_cmd(
        ["images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", f"reference={repository}"]
    ).stdout.split()
    for old in listing:
        if old != tag and old.rsplit(":", 1)[0] == repository:
            podman.remove_image(old)
