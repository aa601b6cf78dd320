"""The SCC admission conformance corpus (taken from OpenShift's own admission tests).

The corpus lives beside the repository (``../shared/conformance/scc``) and is never copied in.
In-process, every request goes through the function behind ``unroot check --format
scc-verdict`` and the answer is judged by the corpus's own runner code (``check.py``'s
``compare``). A second pass applies the API server's SCC defaulting to the requests' SCCs
first: the fixtures flagged ``scc-not-defaulted`` must then fail, and all others still pass,
which is what the corpus says upstream does. A slow test runs the runner itself against the
CLI, one process per request, on the requests taken from the admission plugin's own tests
(the provider and strategy ones go through the same function in-process above).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest

from unroot.pipeline.scc_verdict import answer_for_bundle
from unroot.policy.scc.defaults import apply_defaults

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO.parent / "shared" / "conformance" / "scc"


def _corpus() -> Path:
    if not (CORPUS / "index.json").is_file():
        pytest.skip(f"shared SCC conformance corpus not found at {CORPUS}")
    return CORPUS


@cache
def _runner() -> ModuleType:
    """The corpus's check.py, imported for its request encoding and its judgement."""
    spec = importlib.util.spec_from_file_location("scc_check_runner", _corpus() / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((_corpus() / "index.json").read_text())
    return entries


@cache
def _fixture(path: str) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads((CORPUS / path).read_text())
    return fixture


def _judge(fixture: dict[str, Any], request: bytes) -> list[str]:
    runner = _runner()
    answer, code = answer_for_bundle(request)
    text = orjson.dumps(answer).decode()
    parsed, why = runner.parse_answer(text)
    if parsed is None:
        return [why]
    problems: list[str] = runner.compare(fixture["expect"], parsed)
    if code != (0 if answer["allowed"] else 1):
        problems.append(f"exit code {code} for allowed={answer['allowed']}")
    return problems


def test_corpus_counts_match_readme() -> None:
    entries = _entries()
    assert len(entries) == 392
    assert sum(e["allowed"] for e in entries) == 250


def test_every_request_in_process() -> None:
    failures = []
    for entry in _entries():
        fixture = _fixture(entry["file"])
        problems = _judge(fixture, _runner().request_of(fixture))
        if problems:
            failures.append(f"{entry['name']}: {'; '.join(problems)}")
    assert not failures, f"{len(failures)} failures, first: {failures[:5]}"


def test_api_server_defaulting_changes_exactly_the_flagged_requests() -> None:
    unexpected = []
    for entry in _entries():
        fixture = _fixture(entry["file"])
        defaulted = dict(fixture, sccs=[apply_defaults(s) for s in fixture["sccs"]])
        problems = _judge(fixture, _runner().request_of(defaulted))
        flagged = "scc-not-defaulted" in entry["flags"]
        if flagged and not problems:
            unexpected.append(f"{entry['name']}: flagged, but defaulting changed nothing")
        if not flagged and problems:
            unexpected.append(f"{entry['name']}: {'; '.join(problems)}")
    assert not unexpected, f"{len(unexpected)} unexpected, first: {unexpected[:5]}"


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("unroot")
    if script.is_file():
        return [str(script)]
    found = shutil.which("unroot")
    return [found] if found else [sys.executable, "-m", "unroot"]


@pytest.mark.slow
def test_runner_contract_through_the_cli() -> None:
    """``check.py --level admission -- unroot check --format scc-verdict -``: a process each."""
    proc = subprocess.run(
        [
            sys.executable,
            str(_corpus() / "check.py"),
            "--jobs",
            "2",
            "--level",
            "admission",
            "--",
            *_cli(),
            "check",
            "--format",
            "scc-verdict",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    last = proc.stdout.strip().splitlines()[-1]
    selected = sum(e["level"] == "admission" for e in _entries())
    assert last == f"{selected} passed, 0 failed", proc.stdout[-3000:] + proc.stderr[-2000:]
