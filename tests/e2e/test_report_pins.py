"""The JSON reports of the end-to-end images, pinned byte for byte after normalisation.

The other end-to-end tests assert what each Containerfile does; this one guards against silent
drift when the code is reorganised: every field of the report (verdict, reasons, info, every
finding with its evidence and data) must stay as it is in ``tests/e2e/expected/``. Each image
is scanned as an image (``oci-archive:``) and as a Dockerfile (its build context).

Only what cannot be stable is normalised, each for a stated reason (see :func:`normalise`).
After an intended change of output, regenerate with ``UNROOT_UPDATE_PINS=1`` and review the
diff of the expected files like code.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from unroot.runtime.podman import Podman

from .conftest import ScanResult
from .images import NONROOT, PRIVILEGED, example_files, layer_positions

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

EXPECTED = Path(__file__).with_name("expected")
UPDATE = os.environ.get("UNROOT_UPDATE_PINS") == "1"

IMAGES = {"nginx": "nginx_image", "nonroot": "nonroot_image", "suid-setcap": "privileged_image"}


def _context(name: str, repo_root: Path) -> tuple[str, dict[str, str | bytes]]:
    if name == "nginx":
        return example_files(repo_root / "examples" / "nginx")
    return {"nonroot": NONROOT, "suid-setcap": PRIVILEGED}[name], {}


def normalise(report: dict[str, Any], *, tmp: Path, positions: dict[str, int]) -> Any:
    """The report with its volatile parts replaced by stable placeholders.

    - the temporary directory the archive or build context was written to becomes ``<tmp>``
      (pytest picks a new one per run);
    - ``tool.version`` becomes ``<version>``: it changes with releases, not with behaviour;
    - layer digests become ``layer #N`` (the layer's position) and the manifest and config
      digests are dropped: they hash bytes that depend on build timestamps and on the base
      image built from the live Debian mirror, while the layer a finding points at does not;
    - an image's file count becomes ``<count>`` (checked to be positive): a point release of
      a package from the mirror may add or drop a file without any change in unroot.
    """
    text = json.dumps(report).replace(str(tmp), "<tmp>")
    for digest, position in positions.items():
        text = text.replace(json.dumps(digest), json.dumps(f"layer #{position}"))
    out: dict[str, Any] = json.loads(text)
    out["tool"]["version"] = "<version>"
    for target in out["targets"]:
        info = target["info"]
        for key in ("manifest_digest", "config_digest"):
            info.pop(key, None)
        if "files" in info:
            assert isinstance(info["files"], int) and info["files"] > 0, info
            info["files"] = "<count>"
    leftover = re.findall(r"sha256:[0-9a-f]{64}", json.dumps(out))
    assert not leftover, f"unnormalised digests in the report: {leftover[:3]}"
    return out


def _compare(name: str, report: Any) -> None:
    path = EXPECTED / f"{name}.json"
    text = json.dumps(report, indent=2, sort_keys=True) + "\n"
    if UPDATE:
        EXPECTED.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"{path} is missing; generate it with UNROOT_UPDATE_PINS=1"
    assert json.loads(path.read_text()) == report, f"report of {name} differs from {path}"


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_report_is_pinned(
    name: str,
    request: pytest.FixtureRequest,
    podman: Podman,
    scan: Callable[..., ScanResult],
    tmp_path: Path,
) -> None:
    image = request.getfixturevalue(IMAGES[name])
    archive = podman.save(image, tmp_path / f"{name}.tar", "oci-archive")
    result = scan(f"oci-archive:{archive}")
    report = normalise(result.report, tmp=tmp_path, positions=layer_positions(archive))
    _compare(f"image-{name}", {"exit": result.returncode, "report": report})


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_dockerfile_report_is_pinned(
    name: str, repo_root: Path, scan: Callable[..., ScanResult], tmp_path: Path
) -> None:
    containerfile, files = _context(name, repo_root)
    context = tmp_path / name
    context.mkdir()
    (context / "Containerfile").write_text(containerfile)
    for rel, content in files.items():
        (context / rel).parent.mkdir(parents=True, exist_ok=True)
        (context / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
    result = scan(str(context / "Containerfile"))
    report = normalise(result.report, tmp=tmp_path, positions={})
    _compare(f"dockerfile-{name}", {"exit": result.returncode, "report": report})
