"""Benchmark: time and peak memory of the CLI on hostile non-image inputs, against the
limits every bad input must meet (10 s, 300 MB).

Usage::

    .venv/bin/python bench/hostile_inputs.py               # the small hostile inputs
    .venv/bin/python bench/hostile_inputs.py --large       # also a real 16 MiB manifest stream
    .venv/bin/python bench/hostile_inputs.py --rounds 5

Each case is a hostile input from a tiny file (a doubling ENV chain, scripts sourcing each
other, alias bombs, a folder of large manifests, a symlinked Dockerfile). The rounds run
the cases alternately, each in a fresh process whose peak RSS comes from ``wait4``; the
ratios printed are time / 10 s and peak / 300 MB (median and best), with the load average,
since the machine may be shared. ``--large`` adds a 16 MiB stream of real Deployments:
input at the size cap that is not hostile, just large.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SECONDS = 10.0
RSS_MB = 300.0

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  labels: {{app: web-{i}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web-{i}}}}}
  template:
    metadata: {{labels: {{app: web-{i}}}}}
    spec:
      containers:
      - name: web
        image: example.com/web:1.{i}
        ports: [{{containerPort: 8080}}]
        env: [{{name: A, value: "1"}}]
        resources: {{limits: {{cpu: 100m, memory: 128Mi}}}}
---
"""


def env_doubling(root: Path) -> list[str]:
    lines = ["FROM busybox", "ENV A=xxxxxxxxxxxxxxxx", *["ENV A=$A$A"] * 40, "USER 1000"]
    (root / "Dockerfile").write_text("\n".join(lines) + "\n")
    return ["scan", str(root)]


def source_fanout(root: Path) -> list[str]:
    (root / "s").mkdir()
    for level in range(10):
        body = "echo hi\n" if level == 9 else f". //app/s/l{level + 1}.sh\n" * 12
        (root / "s" / f"l{level}.sh").write_text("#!/bin/sh\n" + body)
    (root / "Dockerfile").write_text(
        'FROM busybox\nCOPY s /app/s\nUSER 1000\nENTRYPOINT ["/app/s/l0.sh"]\n'
    )
    return ["scan", str(root)]


def dockerfile_link(root: Path) -> list[str]:
    (root / "Dockerfile").symlink_to("/etc/shadow")
    return ["scan", str(root)]


def _bomb(levels: int) -> str:
    lines = ["kind: Pod", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def yaml_bombs(root: Path) -> list[str]:
    (root / "m.yaml").write_text("---\n".join([_bomb(5)] * 200))
    return ["check", str(root / "m.yaml")]


def manifest_folder(root: Path) -> list[str]:
    folder = root / "m"
    folder.mkdir()
    for i in range(3):
        (folder / f"m{i}.yaml").write_bytes(b"# " + b"x" * (15 << 20) + b"\nkind: Pod\n")
    return ["check", str(folder)]


def many_documents(root: Path) -> list[str]:
    (root / "m.yaml").write_text("---\n" * 3_000_000)
    return ["check", str(root / "m.yaml")]


def large_stream(root: Path) -> list[str]:
    out, size, i = [], 0, 0
    while size < (16 << 20) - 4096:
        text = DEPLOYMENT.format(i=i)
        out.append(text)
        size += len(text)
        i += 1
    (root / "big.yaml").write_text("".join(out))
    return ["check", str(root / "big.yaml"), "--format", "json"]


CASES: dict[str, Callable[[Path], list[str]]] = {
    "dockerfile ENV doubling (1 KB)": env_doubling,
    "scripts sourcing 12x, 9 deep": source_fanout,
    "Dockerfile -> /etc/shadow": dockerfile_link,
    "200 YAML bombs in one stream": yaml_bombs,
    "folder of three 15 MiB manifests": manifest_folder,
    "3,000,000 empty YAML documents": many_documents,
}

_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, err.decode(errors="replace")[-300:])
"""


def measure(argv: list[str]) -> tuple[int, float, float, str]:
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "unroot", *argv],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    seconds = time.monotonic() - start
    code, rss, err = out.split(" ", 2)
    return int(code), seconds, int(rss) / 1024, err.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="add a 16 MiB manifest stream")
    args = parser.parse_args()
    cases = dict(CASES)
    if args.large:
        cases["16 MiB stream of Deployments"] = large_stream
    with tempfile.TemporaryDirectory(prefix="unroot-bench-") as tmp:
        argvs: dict[str, list[str]] = {}
        for index, (name, build) in enumerate(cases.items()):
            root = Path(tmp) / f"c{index}"
            root.mkdir()
            argvs[name] = build(root)
        results: dict[str, list[tuple[int, float, float, str]]] = {name: [] for name in cases}
        load_before = os.getloadavg()
        for _ in range(args.rounds):
            for name, argv in argvs.items():
                results[name].append(measure(argv))
        load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"{'case':36} {'exit':>4} {'s med':>7} {'s/10s':>6} {'MB med':>7} {'MB/300':>7}  best")
    for name, runs in results.items():
        seconds = [r[1] for r in runs]
        peaks = [r[2] for r in runs]
        codes = sorted({r[0] for r in runs})
        med_s, med_mb = statistics.median(seconds), statistics.median(peaks)
        print(
            f"{name:36} {','.join(map(str, codes)):>4} {med_s:7.2f} {med_s / SECONDS:6.2f} "
            f"{med_mb:7.0f} {med_mb / RSS_MB:7.2f}  {min(seconds):.2f} s, {min(peaks):.0f} MB"
        )
        print(f"{'':36} {runs[-1][3][:110]}")


if __name__ == "__main__":
    main()
