"""Dockerfile targets through ``unroot scan`` validate against the documented JSON schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "corpus" / "cases"


def test_json_report_of_several_dockerfiles_validates() -> None:
    names = ["postgres-gosu", "go-distroless-nonroot", "unknown-base-no-user", "multi-target-debug"]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "unroot",
            "scan",
            "--format",
            "json",
            *(str(CASES / n) for n in names),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"UNROOT_BASE_LOOKUP": "0", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1, proc.stderr  # postgres-gosu has an error-level finding
    doc = json.loads(proc.stdout)
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text())
    jsonschema.validate(doc, schema)
    verdicts = [t["verdict"] for t in doc["targets"]]
    # unknown-base-no-user: the base is not known, so it is judged as root (assumed)
    assert verdicts == ["root", "non-root", "root", "arbitrary-uid-ready"]
    assert doc["targets"][2]["info"]["assumed"] == "user"
    assert doc["targets"][0]["info"]["root_kind"] == "drops-privileges"
