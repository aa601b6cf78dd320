"""End-to-end helpers: run the real ``unroot`` CLI on images built with podman."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from unroot.runtime.podman import Podman

from .images import NONROOT, PRIVILEGED, example_files

Report = dict[str, Any]
Scanner = Callable[..., "ScanResult"]


class ScanResult:
    """One CLI run: exit code, parsed JSON report, stderr."""

    def __init__(self, returncode: int, report: Report, stderr: str) -> None:
        self.returncode = returncode
        self.report = report
        self.stderr = stderr

    @property
    def target(self) -> dict[str, Any]:
        targets = self.report["targets"]
        assert len(targets) == 1, targets
        target: dict[str, Any] = targets[0]
        return target

    def findings(self, category: str) -> list[dict[str, Any]]:
        return [f for f in self.target["findings"] if f["category"] == category]


@pytest.fixture(scope="session")
def scan(podman: Podman, repo_root: Path) -> Scanner:
    """``scan(ref, *extra_args)``: ``unroot scan REF --format json`` as a user runs it."""
    schema_path = repo_root / "docs" / "report.schema.json"

    def run(ref: str, *extra: str) -> ScanResult:
        proc = subprocess.run(
            [sys.executable, "-m", "unroot", "scan", ref, "--format", "json", *extra],
            capture_output=True,
            text=True,
            env=podman.env(),
            timeout=600,
            check=False,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr}"
        report: Report = json.loads(proc.stdout)
        if schema_path.is_file():
            import jsonschema  # type: ignore[import-untyped]

            jsonschema.validate(report, json.loads(schema_path.read_text()))
        return ScanResult(proc.returncode, report, proc.stderr)

    return run


@pytest.fixture(scope="session")
def nginx_image(build_image: Callable[..., str], repo_root: Path) -> str:
    containerfile, files = example_files(repo_root / "examples" / "nginx")
    instructions = [
        line.split()[0] for line in containerfile.splitlines() if re.match(r"[A-Z]", line)
    ]
    assert "USER" not in instructions and "EXPOSE 80" in containerfile
    assert b"listen 80;" in files["site.conf"]
    return build_image("nginx", containerfile, files)


@pytest.fixture(scope="session")
def nonroot_image(build_image: Callable[..., str]) -> str:
    return build_image("nonroot", NONROOT)


@pytest.fixture(scope="session")
def privileged_image(build_image: Callable[..., str]) -> str:
    return build_image("suid-setcap", PRIVILEGED)
