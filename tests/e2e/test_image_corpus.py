"""The image corpus: Debian daemon images, run under the restricted profile, scanned by unroot.

Every daemon image (tests/images/NAME) and its hand-fixed variant (tests/images/fixed/NAME) is
built, run once per session as 1000680000:0 with every capability dropped and no_new_privs,
and scanned once per session with ``unroot scan`` as a user runs it. The run checks the labels
(tests/corpus/image_labels.yaml): the first failure is still the one recorded, the fixed variant
serves. The scan must name each first failure with evidence and stay below warning on every
fixed variant; the per-category table is printed (``pytest -s``) and ``bench/image_corpus.py``
prints it too.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import daemon_images as di
import daemon_runs as dr
from unroot.runtime.podman import Podman

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))

import image_metrics as im

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

LABELS = im.load_labels()
KEYS = sorted(LABELS)
FIRST_FAILURE_TARGET = 0.9


@pytest.fixture(scope="session")
def corpus_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every xdist worker of this session sees (runs and scans are cached there)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = root / "image-corpus"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tag(podman: Podman, label: im.ImageLabel) -> str:
    return di.build_any(podman, label.name, fixed=label.fixed)


def _daemon(label: im.ImageLabel) -> di.DaemonImage:
    return di.FIXED[label.name] if label.fixed else di.DAEMONS[label.name]


def _scan(podman: Podman, tag: str, cache: Path) -> im.ScanAnswer:
    """``unroot scan containers-storage:TAG --format json``, once per image id per session."""
    image_id = podman.image_inspect(tag)["Id"]
    path = cache / f"scan-{image_id}.json"
    with open(cache / f"scan-{image_id}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            argv = [sys.executable, "-m", "unroot", "scan", f"containers-storage:{tag}"]
            proc = subprocess.run(
                [*argv, "--format", "json"],
                capture_output=True,
                text=True,
                env=podman.env(),
                timeout=600,
                check=False,
            )
            assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr[-2000:]}"
            assert "Traceback" not in proc.stderr, proc.stderr
            path.write_text(proc.stdout)
    target = json.loads(path.read_text())["targets"][0]
    return im.ScanAnswer(target["verdict"], target["findings"])


@pytest.fixture(scope="session")
def answers(
    podman: Podman, base_images: dict[str, str], corpus_cache: Path
) -> dict[str, im.ScanAnswer]:
    return {k: _scan(podman, _tag(podman, LABELS[k]), corpus_cache) for k in KEYS}


def _describe(findings: list[dict[str, object]]) -> str:
    return "\n".join(
        f"  {f['severity']} {f['rule']} {f['category']}: {f['message']}" for f in findings
    )


@pytest.mark.parametrize("key", KEYS)
def test_run_matches_label(
    key: str, podman: Podman, base_images: dict[str, str], corpus_cache: Path
) -> None:
    """The labels stay true: the recorded first failure still happens, fixed variants serve."""
    label = LABELS[key]
    record = dr.cached_run(podman, _tag(podman, label), _daemon(label), corpus_cache)
    log = record.log.replace("\r", "")
    assert (record.default_uid == 0) == (label.verdict == "root"), record.default_uid
    first = label.first
    if first is None:
        assert record.served, f"{key} should serve: {record.answer}\n{log[-3000:]}"
        return
    assert not record.served, f"{key} serves although a blocking reason is labelled"
    assert first.log in log, f"{key}: expected {first.log!r} in the log:\n{log[-3000:]}"


@pytest.mark.parametrize("key", KEYS)
def test_scan_names_first_failure_and_is_quiet_on_fixed(
    key: str, podman: Podman, base_images: dict[str, str], corpus_cache: Path
) -> None:
    label = LABELS[key]
    answer = _scan(podman, _tag(podman, label), corpus_cache)
    if label.fixed:
        assert not answer.blocking, f"false alarms on {key}:\n{_describe(answer.blocking)}"
        assert answer.verdict == "arbitrary-uid-ready"
        return
    assert answer.verdict == label.verdict, f"{key}: {answer.verdict}\n{_describe(answer.findings)}"
    first = label.first
    if first is None:
        assert answer.categories <= {"no_user"}, _describe(answer.blocking)
        return
    found = im.first_named(label, answer)
    assert found is not None, (
        f"{key}: no {first.category} finding names {first.subject}:\n{_describe(answer.findings)}"
    )
    assert found["evidence"], found


def test_image_corpus_scores(answers: dict[str, im.ScanAnswer]) -> None:
    """Per-category precision/recall, first failures named, false alarms on fixed variants."""
    print("\n" + im.table(LABELS, answers))
    print(im.first_failure_table(LABELS, answers))
    problems = "\n".join(im.mismatches(LABELS, answers))
    named, failing = im.first_failure_rate(LABELS, answers)
    assert failing >= 12
    assert named / failing >= FIRST_FAILURE_TARGET, problems
    assert not im.false_alarms(LABELS, answers), problems
    for category in im.categories_of(LABELS, answers):
        s = im.score(LABELS, answers, category)
        assert s.precision >= 0.9 and s.recall >= 0.9, f"{category}: {s}\n{problems}"
