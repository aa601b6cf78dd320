"""Shared fixtures of the renderer tests: sample targets and the official SARIF schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scan"))

from imagekit import LAYER_B, directory, entry, make_image

from unroot.findings import Category, Evidence, Finding, Severity, Target, Verdict
from unroot.scan.image import scan_image

REPO = Path(__file__).resolve().parents[2]
SARIF_CACHE = REPO / ".cache" / "sarif"
SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"


def sample_targets() -> list[Target]:
    """One of every kind: a root image, a ready image, a Dockerfile, a workload."""
    cap = bytes.fromhex("0100000200040000000000000000000000000000")
    root_image = make_image(
        [
            entry("usr/bin/su", mode=0o4755, layer=LAYER_B),
            entry("usr/sbin/nginx", xattrs={"security.capability": cap}),
            entry("usr/bin/with space", mode=0o2755, gid=42),
        ],
        ports=["80/tcp", "bogus/tcp"],
        workdir="/var/www",
        ref="docker-archive:/tmp/nginx [demo].tar",
    )
    ready = make_image(
        [directory("home/app", 0o775, 1001, 0)], user="1001:0", ref="oci:/tmp/ready:1"
    )
    dockerfile = Target(
        ref="examples/nginx/Dockerfile",
        kind="dockerfile",
        verdict=Verdict.DEPENDS_ON_BASE,
        reasons=["the user comes from the base image debian:bookworm"],
        findings=[
            Finding(
                "UR120",
                Category.LOW_PORT,
                Severity.WARNING,
                "EXPOSE 80",
                (Evidence(file="examples/nginx/Dockerfile", line=7, value="EXPOSE 80"),),
                fix="listen on 8080",
                data={"port": 80},
            )
        ],
    )
    workload = Target(
        ref="deploy/app.yaml",
        kind="workload",
        verdict=Verdict.DENY,
        reasons=["runAsUser 0 is forbidden"],
        findings=[
            Finding(
                "PSA-runAsUser",  # not a registered rule: renderers must still cope
                Category.NO_USER,
                Severity.ERROR,
                "spec.containers[0].securityContext.runAsUser=0",
                (
                    Evidence(
                        file="/abs/deploy/app.yaml",
                        line=12,
                        field="spec.containers[0].securityContext.runAsUser",
                        value="0",
                    ),
                ),
            )
        ],
    )
    empty = Target(ref="oci:/tmp/empty", kind="image", verdict=Verdict.ARBITRARY_UID_READY)
    scripted = Target(
        ref="oci:/tmp/gosu",
        kind="image",
        verdict=Verdict.ROOT,
        findings=[
            Finding(
                "UR301",
                Category.PRIVILEGE_DROP_AT_START,
                Severity.WARNING,
                "starts as root and drops to app with gosu",
                (
                    Evidence(file="/usr/local/bin/docker-entrypoint.sh", line=5, value="gosu"),
                    Evidence(file="ENTRYPOINT/CMD", value="docker-entrypoint.sh app"),
                ),
            )
        ],
    )
    return [scan_image(root_image), scan_image(ready), dockerfile, workload, empty, scripted]


@pytest.fixture
def targets() -> list[Target]:
    return sample_targets()


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


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_fetch_sarif_schema().read_text())
    return schema


@pytest.fixture(scope="session")
def report_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((REPO / "docs" / "report.schema.json").read_text())
    return schema
