"""Print unroot's precision/recall per category and verdict accuracy on the Dockerfile corpus.

Same computation as tests/corpus/test_corpus.py (which asserts >= 0.95); this only prints,
plus the per-case disagreements and the time taken.

    .venv/bin/python bench/corpus_accuracy.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "corpus"))

import corpus_metrics as cm


def main() -> int:
    labels = cm.load_labels()
    start = time.perf_counter()
    answers = cm.unroot_answers(labels)
    elapsed = time.perf_counter() - start
    print(cm.table(labels, answers))
    print(f"scanned {len(labels)} Dockerfiles in {elapsed:.2f} s (in-process, imports included)")
    for line in cm.mismatches(labels, answers):
        print("  disagrees:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
