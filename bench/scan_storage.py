"""Benchmark: ``unroot scan containers-storage:IMG`` against ``unroot scan oci-archive:`` of
the same image.

Usage::

    .venv/bin/python bench/scan_storage.py                      # the local Debian base image
    .venv/bin/python bench/scan_storage.py --image localhost/x  # any image in the storage
    .venv/bin/python bench/scan_storage.py --baseline-src ../other/src  # before/after, paired

``podman save --format oci-archive`` writes the image to a temporary archive once; then each
round runs, in fresh processes and alternating, ``unroot scan oci-archive:ARCHIVE`` (the
limit: the native reader on a file) and ``unroot scan containers-storage:IMG`` (skopeo copies
the image to a temporary layout, which the same reader scans), both ``--format json``. With
``--baseline-src DIR`` each round also runs the storage scan with that checkout's code. Wall
and CPU times come from ``wait4`` (skopeo's CPU included); the figures are medians of
``--repeat`` rounds with the best in brackets, and the ratio storage / archive is printed
against the <= 1.5x target, with the load average after the runs.
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
TARGET = 1.5
DEFAULT_IMAGE = "localhost/unroot-base/debian:bookworm"


def podman_env() -> tuple[list[str], dict[str, str]]:
    """The podman command line and environment of the project's adapter."""
    sys.path.insert(0, str(REPO / "src"))
    from unroot.runtime.podman import Podman

    podman = Podman.detect()
    env = {**os.environ, **podman.env()}
    return ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"], env


def run_scan(ref: str, src: Path, env: dict[str, str]) -> dict[str, float]:
    """One ``unroot scan`` child: wall and CPU seconds (``wait4``, its children included)."""
    cmd = [sys.executable, "-m", "unroot", "scan", ref, "--format", "json"]
    child_env = {**env, "PYTHONPATH": str(src)}
    child_env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"unroot scan {ref} failed ({code}): {err.decode(errors='replace')}")
    return {
        "wall": time.perf_counter() - started,
        "cpu": usage.ru_utime + usage.ru_stime,
    }


def summary(runs: list[dict[str, float]], key: str) -> tuple[float, float]:
    return statistics.median(r[key] for r in runs), min(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=DEFAULT_IMAGE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-src", help="another checkout's src/, run in the same rounds")
    args = parser.parse_args()
    podman, env = podman_env()
    baseline = Path(args.baseline_src).resolve() if args.baseline_src else None

    with tempfile.TemporaryDirectory(prefix="unroot-bench-storage-") as tmp:
        archive = Path(tmp) / "image.tar"
        subprocess.run(
            [*podman, "save", "--format", "oci-archive", "-o", str(archive), args.image],
            check=True,
            env=env,
            capture_output=True,
        )
        refs = {"archive": f"oci-archive:{archive}", "storage": f"containers-storage:{args.image}"}
        print(f"image: {args.image} ({archive.stat().st_size / 1e6:.0f} MB as oci-archive)")
        plan = [("archive", REPO / "src"), ("storage", REPO / "src")]
        if baseline is not None:
            plan.append(("storage-baseline", baseline))
        for name, src in plan:  # warm-up: page cache, byte code
            run_scan(refs[name.split("-")[0]], src, env)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in plan}
        for _ in range(args.repeat):
            for name, src in plan:
                runs[name].append(run_scan(refs[name.split("-")[0]], src, env))

    limit, limit_best = summary(runs["archive"], "wall")
    limit_cpu, _ = summary(runs["archive"], "cpu")
    print(f"{args.repeat} paired rounds, medians [best]:")
    for name, _src in plan:
        wall, best = summary(runs[name], "wall")
        cpu, _ = summary(runs[name], "cpu")
        line = f"  {name:<17} {wall:7.3f} s [{best:7.3f}] wall, {cpu:7.3f} s CPU"
        if name != "archive":
            ratio = wall / limit
            verdict = "meets" if ratio <= TARGET else "OVER"
            line += (
                f"   / archive: {ratio:.2f}x [{best / limit_best:.2f}x] (cpu "
                f"{cpu / limit_cpu:.2f}x)  target <= {TARGET}x: {verdict}"
            )
        print(line)
    print(f"load average after the runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
