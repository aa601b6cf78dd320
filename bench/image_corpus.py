"""Print unroot's scores on the image corpus: Debian daemon images labelled by running them.

Builds (or reuses, content-tagged) every daemon image of tests/images and its hand-fixed
variant, scans each with ``unroot scan containers-storage:TAG --format json`` as a user runs
it, and prints precision/recall per category, the first-failure table (what the run showed,
what the scan names) and the false alarms on the fixed variants. Labels: the same file the
tests use (tests/corpus/image_labels.yaml); ``--run`` also runs every image under the
restricted profile and checks each label's first failure against the container log.

    .venv/bin/python bench/image_corpus.py [--run]

The Dockerfile corpus has its own table: bench/corpus_accuracy.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "corpus"))

import image_metrics as im  # noqa: E402

import daemon_images as di  # noqa: E402
import daemon_runs as dr  # noqa: E402
from unroot.runtime.podman import Podman  # noqa: E402


def scan(podman: Podman, tag: str) -> im.ScanAnswer:
    proc = subprocess.run(
        [sys.executable, "-m", "unroot", "scan", f"containers-storage:{tag}", "--format", "json"],
        capture_output=True,
        text=True,
        env=podman.env(),
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan of {tag} failed (exit {proc.returncode}): {proc.stderr[-500:]}")
    target = json.loads(proc.stdout)["targets"][0]
    return im.ScanAnswer(target["verdict"], target["findings"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="also run every image (labels)")
    args = parser.parse_args()
    podman = Podman.detect()
    labels = im.load_labels()
    answers: dict[str, im.ScanAnswer] = {}
    start = time.perf_counter()
    for key, label in sorted(labels.items()):
        tag = di.build_any(podman, label.name, fixed=label.fixed)
        answers[key] = scan(podman, tag)
        if args.run:
            daemon = di.FIXED[label.name] if label.fixed else di.DAEMONS[label.name]
            record = dr.run_restricted(podman, tag, daemon)
            first = label.first
            ok = record.served if first is None else first.log in record.log
            print(f"run {key}: {'as labelled' if ok else 'DIFFERS FROM THE LABEL'}")
    elapsed = time.perf_counter() - start
    print(im.table(labels, answers))
    print()
    print(im.first_failure_table(labels, answers))
    alarms = im.false_alarms(labels, answers)
    for key, findings in alarms.items():
        for f in findings:
            print(f"  false alarm on {key}: {f['rule']} {f['message']}")
    for line in im.mismatches(labels, answers):
        print("  disagrees:", line)
    load = os.getloadavg()
    print(f"{len(labels)} images in {elapsed:.0f} s; load average {load[0]:.2f} {load[1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
