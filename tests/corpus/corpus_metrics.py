"""Score unroot (or any tool) against the hand-written labels of the Dockerfile corpus.

Shared by ``test_corpus.py`` (asserts) and ``bench/corpus_accuracy.py`` / ``bench/peers``
(print). Everything in the table is computed from the labels and the tool's answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent
CASES = CORPUS / "cases"
LABELS = CORPUS / "labels.yaml"


@dataclass(frozen=True, slots=True)
class Label:
    verdict: str
    categories: frozenset[str]


@dataclass(slots=True)
class Answer:
    verdict: str | None
    """None when the tool has no verdict of its own."""
    categories: set[str] = field(default_factory=set)


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


def load_labels() -> dict[str, Label]:
    raw = yaml.safe_load(LABELS.read_text())
    labels = {
        name: Label(str(v["verdict"]), frozenset(v.get("categories") or ()))
        for name, v in raw.items()
    }
    on_disk = {p.name for p in CASES.iterdir() if p.is_dir()}
    if on_disk != set(labels):
        raise ValueError(f"labels and cases differ: {sorted(on_disk ^ set(labels))}")
    return labels


def case_dir(name: str) -> Path:
    return CASES / name


def categories_of(labels: Mapping[str, Label]) -> list[str]:
    return sorted({c for label in labels.values() for c in label.categories})


def score(labels: Mapping[str, Label], answers: Mapping[str, Answer], category: str) -> Score:
    tp = fp = fn = 0
    for name, label in labels.items():
        got = category in answers[name].categories
        want = category in label.categories
        tp += got and want
        fp += got and not want
        fn += want and not got
    return Score(tp, fp, fn)


def is_root(verdict: str) -> bool | None:
    """root vs not root (depends-on-base counts as its own answer)."""
    if verdict == "depends-on-base":
        return None
    return verdict == "root"


def verdict_accuracy(labels: Mapping[str, Label], answers: Mapping[str, Answer]) -> float:
    """Exact verdict match (root / non-root / arbitrary-uid-ready / depends-on-base)."""
    hits = sum(answers[n].verdict == label.verdict for n, label in labels.items())
    return hits / len(labels)


def root_accuracy(labels: Mapping[str, Label], answers: Mapping[str, Answer]) -> float:
    """root-or-not agreement: the question every peer tries to answer."""
    hits = 0
    for name, label in labels.items():
        got = answers[name].verdict
        hits += got is not None and is_root(got) == is_root(label.verdict)
    return hits / len(labels)


def table(
    labels: Mapping[str, Label],
    answers: Mapping[str, Answer],
    categories: Iterable[str] | None = None,
) -> str:
    cats = list(categories) if categories is not None else categories_of(labels)
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
    rows.append(
        f"verdict accuracy (exact, {len(labels)} cases): {verdict_accuracy(labels, answers):.2f}"
    )
    rows.append(f"root / not-root accuracy: {root_accuracy(labels, answers):.2f}")
    return "\n".join(rows)


def unroot_answers(labels: Mapping[str, Label]) -> dict[str, Answer]:
    """Run scan_dockerfile on every case (base lookup off: results must not depend on the
    local podman storage)."""
    from unroot.pipeline.dockerfile import scan_dockerfile

    out: dict[str, Answer] = {}
    for name in labels:
        target = scan_dockerfile(str(case_dir(name)), base_lookup=False)
        out[name] = Answer(
            target.verdict.value,
            {f.category.value for f in target.findings if f.category.value != "input"},
        )
    return out


def mismatches(labels: Mapping[str, Label], answers: Mapping[str, Answer]) -> list[str]:
    out: list[str] = []
    for name, label in labels.items():
        got = answers[name]
        extra = sorted(got.categories - label.categories)
        missing = sorted(label.categories - got.categories)
        if got.verdict != label.verdict or extra or missing:
            out.append(
                f"{name}: verdict {got.verdict} (want {label.verdict}) "
                f"extra={extra} missing={missing}"
            )
    return out
