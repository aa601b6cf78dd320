"""Shared fixtures of the renderer tests: sample targets and the official SARIF schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))

from imagekit import LAYER_B, directory, entry, make_image
from sarifschema import load_sarif_schema

from unroot.findings import Category, Evidence, Finding, Severity, Target, Verdict
from unroot.pipeline.image import scan_image

REPO = Path(__file__).resolve().parents[2]


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
                "PSA-runAsUser",  # a Pod Security check, described from its metadata
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


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    return load_sarif_schema()


@pytest.fixture(scope="session")
def report_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((REPO / "docs" / "report.schema.json").read_text())
    return schema
