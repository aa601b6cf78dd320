"""Benchmark: SCC admission speed in-process, alone and together with Pod Security.

Usage::

    .venv/bin/python bench/scc_admit.py                          # this checkout
    .venv/bin/python bench/scc_admit.py --baseline /tmp/base/src  # paired against another tree

Times :func:`unroot.policy.scc.admit` (restricted-v2 allowed, every built-in SCC present, as
``unroot check`` runs it) on the objects of ``bench/check_manifests.py`` (20,000 by default:
about a third admitted, the rest denied for root, privilege, capabilities or host access), the
admitted and the denied ones apart, and Pod Security restricted + SCC on the same object (the
figure the 20,000 pods/s target is about). Each figure is CPU time of one child process per
run; with ``--baseline`` the children alternate between the baseline source tree (a ``src``
directory holding another version of ``unroot``) and this one, and the ratios compare medians
of paired runs. Medians and best are printed with the load average, since CPU time is still
disturbed by a busy machine (caches, frequency).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 20_000

CHILD = r"""
import json, sys, time
sys.path.insert(0, {bench!r})
from check_manifests import make_objects
from unroot.policy.psa import evaluate
from unroot.policy.scc import admit, builtin_profiles
from unroot.policy.uidrange import parse_range

objects = make_objects({count})
profiles = builtin_profiles()
rng = parse_range("1000680000/10000")
decisions = [admit(o, profiles=profiles, uid_range=rng) for o in objects]
groups = {{
    "all": objects,
    "admitted": [o for o, d in zip(objects, decisions) if d.allowed],
    "denied": [o for o, d in zip(objects, decisions) if not d.allowed],
}}
out = {{}}
for name, group in groups.items():
    start = time.process_time()
    for obj in group:
        admit(obj, profiles=profiles, uid_range=rng)
    out["scc " + name] = (time.process_time() - start) / len(group)
start = time.process_time()
for obj in objects:
    evaluate(obj, "restricted", "latest")
    admit(obj, profiles=profiles, uid_range=rng, types_checked=True)
out["psa + scc"] = (time.process_time() - start) / len(objects)
print(json.dumps(out))
"""


def run_child(src: Path, count: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src))
    code = CHILD.format(bench=str(REPO / "bench"), count=count)
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise SystemExit(f"child failed ({src}): {res.stderr.strip()[-2000:]}")
    figures: dict[str, float] = json.loads(res.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per tree")
    parser.add_argument("--baseline", type=Path, help="a src directory of another version")
    args = parser.parse_args()

    trees = [("current", REPO / "src")]
    if args.baseline is not None:
        trees.insert(0, ("baseline", args.baseline))
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    for _ in range(args.repeat):
        for name, src in trees:
            runs[name].append(run_child(src, args.count))
    try:
        load = os.getloadavg()
        print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    except OSError:
        pass
    print(f"{args.count:,} objects, {args.repeat} runs per tree, CPU time per object")
    keys = list(runs["current"][0])
    for name, _ in trees:
        for key in keys:
            values = [r[key] for r in runs[name]]
            median, best = statistics.median(values), min(values)
            print(
                f"{name:>8} {key:<14} median {median * 1e6:7.1f} us ({1 / median:>9,.0f}/s)"
                f"  best {best * 1e6:7.1f} us ({1 / best:>9,.0f}/s)"
            )
    if args.baseline is not None:
        for key in keys:
            ratios = [
                c[key] / b[key] for b, c in zip(runs["baseline"], runs["current"], strict=True)
            ]
            print(
                f"current / baseline {key:<14} median {statistics.median(ratios):.2f}x"
                f"  best {min(ratios):.2f}x"
            )
    combined = statistics.median(r["psa + scc"] for r in runs["current"])
    verdict = "meets" if 1 / combined >= TARGET else "below"
    print(f"target >= {TARGET:,}/s psa + scc: {verdict} ({1 / combined / TARGET:.2f}x)")


if __name__ == "__main__":
    main()
