"""Benchmark: start-up cost of the CLI against a bare interpreter.

Usage::

    .venv/bin/python bench/startup.py              # 21 rounds
    .venv/bin/python bench/startup.py --realtime   # children under SCHED_FIFO (root)
    .venv/bin/python bench/startup.py --repeat 51  # more rounds on a busy machine

Measures, in paired rounds that alternate the commands (the machine is shared):

- ``python -c pass`` with the interpreter that runs unroot (the limit: nothing can start faster);
- ``unroot check POD.yaml``: one Pod, the default SCC profile check and text report;
- ``unroot scan Dockerfile``: a two-line Dockerfile, the default text report;
- ``unroot check POD.yaml --format verdict``: the conformance runner's contract.

Each figure is the median of ``--repeat`` rounds with the best run in brackets, wall time and
CPU time of the child (``wait4``); ratios are command / ``python -c pass`` for medians and for
bests. The target is <= 4x for the first two. Before measuring, one warm-up run of each command
writes the modules' byte code (``__pycache__``), as an installed package has it: a checkout run
with ``PYTHONDONTWRITEBYTECODE=1`` would otherwise compile every module at every start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 4.0

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: nginx:1.25
      ports:
        - containerPort: 8080
"""

DOCKERFILE = """\
FROM docker.io/library/alpine:3.20
USER 1000
"""


def unroot_command() -> list[str]:
    """The installed console script beside the interpreter, else ``python -m unroot``."""
    script = Path(sys.executable).with_name("unroot")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "unroot"]


def run_once(argv: list[str], prefix: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, exit code) of one child, output discarded."""
    full = [*prefix, *argv]
    started = time.perf_counter()
    proc = subprocess.Popen(
        full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_utime + usage.ru_stime, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="run the measured children under SCHED_FIFO (chrt -f 10; needs root)",
    )
    args = parser.parse_args()
    prefix = ["chrt", "-f", "10"] if args.realtime else []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    unroot = unroot_command()

    with tempfile.TemporaryDirectory(prefix="unroot-startup-") as tmp:
        pod = Path(tmp) / "pod.yaml"
        pod.write_text(POD)
        dockerfile = Path(tmp) / "Dockerfile"
        dockerfile.write_text(DOCKERFILE)
        commands: dict[str, list[str]] = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "unroot check pod.yaml": [*unroot, "check", str(pod)],
            "unroot scan Dockerfile": [*unroot, "scan", str(dockerfile)],
            "unroot check --format verdict": [*unroot, "check", str(pod), "--format", "verdict"],
        }
        codes: dict[str, int] = {}
        for name, argv in commands.items():  # warm-up: byte code, page cache
            codes[name] = run_once(argv, [], env)[2]
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for round_ in range(args.repeat):
            # rotate the order each round so no command always runs first
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                wall, cpu, _code = run_once(commands[name], prefix, env)
                walls[name].append(wall)
                cpus[name].append(cpu)

    base = "python -c pass"
    base_wall = statistics.median(walls[base])
    base_best = min(walls[base])
    base_cpu = statistics.median(cpus[base])
    print(
        f"start-up, {args.repeat} paired rounds ({'SCHED_FIFO' if args.realtime else 'plain'}); "
        "medians, best in brackets"
    )
    ok = True
    for name in names:
        wall, best, cpu = (
            statistics.median(walls[name]),
            min(walls[name]),
            statistics.median(cpus[name]),
        )
        line = f"  {name:<30} {wall * 1000:7.1f} ms [{best * 1000:6.1f}]  cpu {cpu * 1000:7.1f} ms"
        if name != base:
            ratio, ratio_best, ratio_cpu = wall / base_wall, best / base_best, cpu / base_cpu
            line += f"   {ratio:5.2f}x [{ratio_best:5.2f}x] (cpu {ratio_cpu:5.2f}x)"
            if name in ("unroot check pod.yaml", "unroot scan Dockerfile"):
                verdict = "ok" if ratio <= TARGET else "OVER"
                ok = ok and ratio <= TARGET
                line += f"  target <= {TARGET}x: {verdict}"
            line += f"  exit {codes[name]}"
        print(line)
    print(f"load average after the runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
