"""unroot against the labelled Dockerfile corpus: precision/recall per category, verdicts."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus_metrics as cm

THRESHOLD = 0.95


def test_corpus_precision_recall_and_verdicts() -> None:
    labels = cm.load_labels()
    assert len(labels) >= 30
    answers = cm.unroot_answers(labels)
    print("\n" + cm.table(labels, answers))
    problems = "\n".join(cm.mismatches(labels, answers))
    for category in cm.categories_of(labels):
        s = cm.score(labels, answers, category)
        assert s.precision >= THRESHOLD, f"{category} precision {s.precision:.2f}\n{problems}"
        assert s.recall >= THRESHOLD, f"{category} recall {s.recall:.2f}\n{problems}"
    accuracy = cm.verdict_accuracy(labels, answers)
    assert accuracy >= THRESHOLD, f"verdict accuracy {accuracy:.2f}\n{problems}"


def test_score_counts_from_constructed_answers() -> None:
    labels = {"a": cm.Label("root", frozenset({"x"})), "b": cm.Label("non-root", frozenset())}
    answers = {"a": cm.Answer("root", set()), "b": cm.Answer("root", {"x"})}
    s = cm.score(labels, answers, "x")
    assert (s.tp, s.fp, s.fn) == (0, 1, 1)
    assert cm.verdict_accuracy(labels, answers) == 0.5
