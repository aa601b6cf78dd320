"""Score a scanner against the image corpus: Debian daemon images labelled by running them.

Shared by ``tests/e2e/test_image_corpus.py`` (asserts) and ``bench/image_corpus.py`` (prints).
The labels (``image_labels.yaml``) say what blocks each daemon under the restricted profile; a
scan answers with JSON findings. Everything here is computed from those two, nothing else.

- An image's *label categories* are the categories of its blocking reasons, plus ``no_user``
  when it starts as root. Hand-fixed variants have none.
- A scan's *answer categories* are the categories of its findings of severity warning or error
  (info findings are notes: they claim nothing blocks).
- The first blocking failure is *named* when a warning-or-error finding of the label's
  category mentions the label's subject (a path, port or name) in its message or evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LABELS = Path(__file__).resolve().parent / "image_labels.yaml"
BLOCKING = ("warning", "error")


@dataclass(frozen=True, slots=True)
class Blocker:
    category: str
    subject: str
    log: str


@dataclass(frozen=True, slots=True)
class ImageLabel:
    name: str
    fixed: bool
    verdict: str
    blocking: tuple[Blocker, ...]
    harmless: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.name}-fixed" if self.fixed else self.name

    @property
    def categories(self) -> frozenset[str]:
        cats = {b.category for b in self.blocking}
        if self.verdict == "root":
            cats.add("no_user")
        return frozenset(cats)

    @property
    def first(self) -> Blocker | None:
        return self.blocking[0] if self.blocking else None


@dataclass(slots=True)
class ScanAnswer:
    verdict: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["severity"] in BLOCKING and f["category"] != "input"]

    @property
    def categories(self) -> set[str]:
        return {f["category"] for f in self.blocking}


def load_labels() -> dict[str, ImageLabel]:
    """Labels of the daemon images and of their hand-fixed variants (``NAME-fixed``)."""
    raw = yaml.safe_load(LABELS.read_text())
    out: dict[str, ImageLabel] = {}
    for name, entry in raw.items():
        blocking = tuple(
            Blocker(str(b["category"]), str(b["subject"]), str(b["log"]))
            for b in entry.get("blocking") or ()
        )
        label = ImageLabel(
            name, False, str(entry["verdict"]), blocking, tuple(entry.get("harmless") or ())
        )
        fixed = ImageLabel(name, True, "arbitrary-uid-ready", ())
        out[label.key] = label
        out[fixed.key] = fixed
    return out


def names(finding: Mapping[str, Any], subject: str) -> bool:
    """Does ``finding`` mention ``subject`` in its message, evidence or data?"""
    texts = [str(finding.get("message", ""))]
    for ev in finding.get("evidence", ()):
        for key, value in ev.items():
            text = str(value)
            texts.append("/" + text.lstrip("/") if key == "path" else text)
    texts.append(json.dumps(finding.get("data", {})))
    if subject.isdigit():
        port = int(subject)
        data = finding.get("data", {})
        return data.get("port") == port or any(f"port {port}" in t for t in texts)
    return any(subject in t for t in texts)


def first_named(label: ImageLabel, answer: ScanAnswer) -> dict[str, Any] | None:
    """The finding that names the label's first blocking failure, or None."""
    first = label.first
    if first is None:
        return None
    for f in answer.blocking:
        if f["category"] == first.category and names(f, first.subject):
            return f
    return None


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(
    labels: Mapping[str, ImageLabel], answers: Mapping[str, ScanAnswer], category: str
) -> Score:
    tp = fp = fn = 0
    for key, label in labels.items():
        got = category in answers[key].categories
        want = category in label.categories
        tp += got and want
        fp += got and not want
        fn += want and not got
    return Score(tp, fp, fn)


def categories_of(labels: Mapping[str, ImageLabel], answers: Mapping[str, ScanAnswer]) -> list[str]:
    found = {c for label in labels.values() for c in label.categories}
    found |= {c for a in answers.values() for c in a.categories}
    return sorted(found)


def first_failure_rate(
    labels: Mapping[str, ImageLabel], answers: Mapping[str, ScanAnswer]
) -> tuple[int, int]:
    """(named, failing): failing daemons whose first failure the scan names with evidence."""
    failing = [k for k, label in labels.items() if label.first is not None]
    named = sum(first_named(labels[k], answers[k]) is not None for k in failing)
    return named, len(failing)


def false_alarms(
    labels: Mapping[str, ImageLabel], answers: Mapping[str, ScanAnswer]
) -> dict[str, list[dict[str, Any]]]:
    """Warning-or-error findings on the hand-fixed variants (each one is a false alarm)."""
    return {
        k: answers[k].blocking for k, label in labels.items() if label.fixed and answers[k].blocking
    }


def verdict_accuracy(labels: Mapping[str, ImageLabel], answers: Mapping[str, ScanAnswer]) -> float:
    hits = sum(answers[k].verdict == label.verdict for k, label in labels.items())
    return hits / len(labels) if labels else 1.0


def table(
    labels: Mapping[str, ImageLabel],
    answers: Mapping[str, ScanAnswer],
    categories: Iterable[str] | None = None,
) -> str:
    cats = list(categories) if categories is not None else categories_of(labels, answers)
    rows = [
        f"{'category':<28} {'support':>7} {'tp':>4} {'fp':>4} {'fn':>4} "
        f"{'precision':>9} {'recall':>6}"
    ]
    for cat in cats:
        s = score(labels, answers, cat)
        rows.append(
            f"{cat:<28} {s.tp + s.fn:>7} {s.tp:>4} {s.fp:>4} {s.fn:>4} "
            f"{s.precision:>9.2f} {s.recall:>6.2f}"
        )
    named, failing = first_failure_rate(labels, answers)
    rows.append(f"first blocking failure named with evidence: {named}/{failing}")
    alarms = false_alarms(labels, answers)
    fixed = sum(label.fixed for label in labels.values())
    rows.append(
        f"hand-fixed variants with a warning-or-error finding: {len(alarms)}/{fixed} "
        f"({sum(len(v) for v in alarms.values())} findings)"
    )
    rows.append(
        f"verdict accuracy (exact, {len(labels)} images): {verdict_accuracy(labels, answers):.2f}"
    )
    return "\n".join(rows)


def first_failure_table(labels: Mapping[str, ImageLabel], answers: Mapping[str, ScanAnswer]) -> str:
    """daemon | observed first failure | what the scan names | match."""
    rows = [f"{'daemon':<11} | {'observed first failure':<60} | {'the scan names':<70} | match"]
    for key, label in labels.items():
        if label.fixed:
            continue
        first = label.first
        observed = "serves" if first is None else first.log
        hit = first_named(label, answers[key])
        if first is None:
            extra = sorted(answers[key].categories - {"no_user"})
            said = f"blocking: {', '.join(extra)}" if extra else "nothing that blocks the run"
            match = "no" if extra else "yes"
        else:
            said = f"{hit['rule']}: {hit['message']}" if hit else "-"
            match = "yes" if hit else "no"
        rows.append(f"{label.name:<11} | {observed[:60]:<60} | {said[:70]:<70} | {match}")
    return "\n".join(rows)


def mismatches(labels: Mapping[str, ImageLabel], answers: Mapping[str, ScanAnswer]) -> list[str]:
    out: list[str] = []
    for key, label in labels.items():
        got = answers[key]
        extra = sorted(got.categories - label.categories)
        missing = sorted(label.categories - got.categories)
        if got.verdict != label.verdict or extra or missing:
            out.append(
                f"{key}: verdict {got.verdict} (want {label.verdict}) "
                f"extra={extra} missing={missing}"
            )
    return out
