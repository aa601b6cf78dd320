"""The upstream Pod Security fixture corpus, in-process: every fixture, plain and wrapped.

The corpus lives beside the repository (``../shared/conformance/psa``) and is never copied in.
Each fixture must get the expected verdict through the same function the CLI uses, and a
denial must contain the fixture's ``reason_substring``. A slow test also runs the corpus's own
runner (``check.py``) against a real process for a few versions.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from unroot.pipeline.psa_verdict import verdict_for_stream
from unroot.policy.psa import evaluate

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO.parent / "shared" / "conformance" / "psa"
VERDICT_CMD = ("-m", "unroot", "check", "--format", "verdict", "-")
"""The conformance contract, as a user runs it."""


def _corpus() -> Path:
    if not (CORPUS / "index.json").is_file():
        pytest.skip(f"shared conformance corpus not found at {CORPUS}")
    return CORPUS


@cache
def _entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((_corpus() / "index.json").read_text())
    return entries


@cache
def _load(path: str) -> Any:
    return yaml.safe_load((CORPUS / path).read_text())


@cache
def _runner() -> ModuleType:
    """The corpus's check.py, imported for its ``wrap`` function (the exact wrapping)."""
    spec = importlib.util.spec_from_file_location("psa_check_runner", _corpus() / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _failures(wrap: str | None) -> list[str]:
    failures = []
    for entry in _entries():
        obj = _load(entry["file"])
        if wrap:
            obj = _runner().wrap(obj, wrap)
        decision = evaluate(obj, entry["level"], entry["version"])
        got = "allow" if decision.allowed else "deny"
        if got != entry["expect"]:
            failures.append(f"{entry['file']}: expected {entry['expect']}, got {got}")
            continue
        substring = entry.get("reason_substring")
        if got == "deny" and substring:
            text = "; ".join(f"{r.reason} ({r.detail})" for r in decision.results)
            if substring not in text:
                failures.append(f"{entry['file']}: {substring!r} not in {text!r}")
        if got == "deny" and not all(r.field_paths for r in decision.results):
            failures.append(f"{entry['file']}: a reason without a field path")
    return failures


def test_corpus_counts_match_readme() -> None:
    entries = _entries()
    assert len(entries) == 4537
    assert sum(e["expect"] == "deny" for e in entries) == 1122 + 2364


@pytest.mark.parametrize("wrap", [None, "Deployment", "CronJob", "PodTemplate", "StatefulSet"])
def test_every_fixture_in_process(wrap: str | None) -> None:
    failures = _failures(wrap)
    assert not failures, f"{len(failures)} failures, first: {failures[:5]}"


def test_newest_fixtures_as_latest_and_beyond() -> None:
    newest = max(int(e["version"].split(".")[1]) for e in _entries())
    for entry in _entries():
        if int(entry["version"].split(".")[1]) != newest:
            continue
        for version in ("latest", f"v1.{newest + 1}", "v1.10000"):
            decision = evaluate(_load(entry["file"]), entry["level"], version)
            assert decision.allowed == (entry["expect"] == "allow"), (entry["file"], version)


def test_verdict_text_for_every_fixture_at_one_version() -> None:
    """The CLI text path (bytes in, text out) on the raw fixture bytes of v1.30 and v1.37."""
    for entry in _entries():
        if entry["version"] not in ("v1.30", "v1.37"):
            continue
        text, code = verdict_for_stream(
            (CORPUS / entry["file"]).read_bytes(), entry["level"], entry["version"]
        )
        assert text.split()[0] == entry["expect"], entry["file"]
        assert code == (0 if entry["expect"] == "allow" else 1)
        if entry["expect"] == "deny":
            assert entry["reason_substring"] in text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("level", "extra"),
    [("baseline", []), ("restricted", ["--wrap", "CronJob", "--as-latest"])],
)
def test_runner_contract_with_real_processes(level: str, extra: list[str]) -> None:
    """check.py against ``unroot check --format verdict`` at v1.37: one process per fixture."""
    proc = subprocess.run(
        [
            sys.executable,
            str(_corpus() / "check.py"),
            "--jobs",
            "2",
            "--reasons",
            "--level",
            level,
            "--version",
            "v1.37",
            *extra,
            "--",
            sys.executable,
            *VERDICT_CMD,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    last = proc.stdout.strip().splitlines()[-1]
    selected = sum(e["version"] == "v1.37" and e["level"] == level for e in _entries())
    assert last == f"{selected} passed, 0 failed", proc.stdout[-2000:]
