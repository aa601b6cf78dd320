"""The official SARIF 2.1.0 JSON schema, fetched once with ``npm pack`` into ``.cache/sarif/``.

The schema ships in the npm package ``@microsoft/jest-sarif``; it is never committed. Tests
skip with a clear reason when npm is unavailable or the fetch fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SARIF_CACHE = REPO / ".cache" / "sarif"
SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"


def _fetch_sarif_schema() -> Path:
    wanted = SARIF_CACHE / "sarif-2.1.0-rtm.5.json"
    if wanted.exists():
        return wanted
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot fetch the official SARIF 2.1.0 schema")
    SARIF_CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=SARIF_CACHE) as tmp:
        proc = subprocess.run(
            [npm, "pack", SARIF_PACKAGE, "--silent", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or not tarballs:
            pytest.skip(f"npm pack {SARIF_PACKAGE} failed: {proc.stderr.strip()[:200]}")
        with tarfile.open(tarballs[0]) as tar:
            member = tar.extractfile(SARIF_MEMBER)
            assert member is not None, f"{SARIF_MEMBER} missing from {SARIF_PACKAGE}"
            data = member.read()
        staged = Path(tmp) / "schema.json"
        staged.write_bytes(data)
        os.replace(staged, wanted)  # atomic: parallel workers never see half a file
    return wanted


def load_sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_fetch_sarif_schema().read_text())
    return schema
