"""Benchmark: pod evaluations per second for `unroot check`, in-process and via the CLI.

Usage::

    .venv/bin/python bench/check_manifests.py                # 20,000 objects
    .venv/bin/python bench/check_manifests.py --count 2000   # quick run
    .venv/bin/python bench/check_manifests.py --no-peers --baseline-src ../other/src

Builds one multi-document YAML file of varied Pods, Deployments, StatefulSets, Jobs and
CronJobs (some clean, some asking for root, privileges, host access or capabilities) under
``.cache/bench/``, then prints:

- in-process: Pod Security restricted (latest) + SCC admission (restricted-v2) per object, on
  already-parsed objects, one core; the target is >= 20,000 evaluations/s;
- parse: loading the YAML with line numbers (libyaml compose + plain copy), reported separately;
- CLI: ``unroot check FILE --format json`` on the file and on one a tenth its size, in paired
  rounds (``--cli-rounds``): objects/s against >= 10,000/s, the CPU growth from the small to
  the large file against linear (<= 1.1x the object ratio), and peak RSS against 200 MB;
  ``--baseline-src DIR`` (another checkout's ``src/``) runs that code in the same rounds;
- peers: checkov and trivy (``trivy config --skip-check-update``: offline, embedded checks) on
  the same file when installed in ``bench/peers/.venv`` (``bench/peers/setup.sh``), else a
  note that they are not installed. Both are slow on large streams: try ``--count 2000``.

Figures only; nothing is asserted. Timings depend on machine load: close other work first.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET = 20_000
CLI_TARGET = 10_000
CLI_PEAK_MB = 200
PEERS = REPO / "bench" / "peers" / ".venv"


def _container(rng: random.Random, i: int) -> dict[str, Any]:
    c: dict[str, Any] = {"name": f"c{i}", "image": rng.choice(["nginx:1.25", "redis:7", "app:1"])}
    roll = rng.random()
    if roll < 0.15:
        c["securityContext"] = {"runAsUser": 0}
    elif roll < 0.25:
        c["securityContext"] = {"privileged": True}
    elif roll < 0.35:
        c["securityContext"] = {"capabilities": {"add": [rng.choice(["NET_ADMIN", "SYS_TIME"])]}}
    elif roll < 0.6:
        c["securityContext"] = {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    if rng.random() < 0.4:
        c["ports"] = [{"containerPort": rng.choice([80, 443, 8080, 9090])}]
    return c


def _pod_spec(rng: random.Random) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [_container(rng, i) for i in range(rng.randint(1, 3))]}
    if rng.random() < 0.2:
        spec["initContainers"] = [_container(rng, 9)]
    if rng.random() < 0.05:
        spec["hostNetwork"] = True
    if rng.random() < 0.05:
        spec["volumes"] = [{"name": "h", "hostPath": {"path": "/var/run"}}]
    elif rng.random() < 0.3:
        spec["volumes"] = [{"name": "d", "emptyDir": {}}, {"name": "c", "configMap": {"name": "x"}}]
    return spec


def make_objects(count: int, seed: int = 4) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(count):
        meta = {"name": f"w{i}", "namespace": f"ns{i % 7}", "labels": {"app": f"a{i % 50}"}}
        spec = _pod_spec(rng)
        template = {"metadata": {"labels": meta["labels"]}, "spec": spec}
        kind = rng.choice(
            ["Pod", "Pod", "Deployment", "Deployment", "StatefulSet", "Job", "CronJob"]
        )
        obj: dict[str, Any]
        if kind == "Pod":
            obj = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
        elif kind == "CronJob":
            obj = {
                "apiVersion": "batch/v1",
                "kind": kind,
                "metadata": meta,
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}},
            }
        else:
            api = "batch/v1" if kind == "Job" else "apps/v1"
            obj = {
                "apiVersion": api,
                "kind": kind,
                "metadata": meta,
                "spec": {"selector": {"matchLabels": meta["labels"]}, "template": template},
            }
        out.append(obj)
    return out


def write_stream(objects: list[dict[str, Any]], path: Path) -> None:
    import yaml  # PyYAML's C emitter: only for building the input

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        yaml.dump_all(objects, fh, Dumper=dumper, sort_keys=False, explicit_start=True)


def bench_in_process(objects: list[dict[str, Any]], repeat: int) -> dict[str, tuple[float, float]]:
    """name -> (objects per wall second, objects per CPU second of this process).

    CPU time is the fairer "one core" figure on a shared machine: wall time also counts the
    time other processes hold the core."""
    from unroot.policy.psa import evaluate
    from unroot.policy.scc import admit, builtin_profiles
    from unroot.policy.uidrange import parse_range

    profiles = builtin_profiles()
    rng = parse_range("1000680000/10000")
    results: dict[str, tuple[float, float]] = {}
    for name, fn in (
        ("psa restricted", lambda o: evaluate(o, "restricted", "latest")),
        ("scc restricted-v2", lambda o: admit(o, profiles=profiles, uid_range=rng)),
        (
            "psa + scc",
            lambda o: (
                evaluate(o, "restricted", "latest"),
                # evaluate() has type-checked the object; the webhook shares it the same way
                admit(o, profiles=profiles, uid_range=rng, types_checked=True),
            ),
        ),
    ):
        best = best_cpu = float("inf")
        for _ in range(repeat):
            started, cpu = time.perf_counter(), time.process_time()
            for obj in objects:
                fn(obj)
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - cpu)
        results[name] = (len(objects) / best, len(objects) / max(best_cpu, 1e-9))
    return results


def bench_parse(path: Path) -> float:
    from unroot.workload.load import load_text

    text = path.read_text()
    started = time.perf_counter()
    src = load_text(text, str(path))
    elapsed = time.perf_counter() - started
    return len(src.documents) / elapsed


def run_cli(path: Path, extra: list[str], src: Path) -> dict[str, float]:
    """One ``unroot check`` child with ``src`` on the path: wall and CPU seconds (``wait4``),
    peak RSS in MB and the exit code."""
    cmd = [sys.executable, "-m", "unroot", "check", str(path), "--format", "json", *extra]
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte code as an installed package has it
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    return {
        "wall": time.perf_counter() - started,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "code": os.waitstatus_to_exitcode(status),
    }


def bench_cli(
    small: tuple[Path, int], large: tuple[Path, int], rounds: int, baseline_src: Path | None
) -> None:
    """Paired rounds of the CLI on the small and the large file (and, with ``baseline_src``,
    the same with that checkout's code, in the same rounds); prints medians, best in brackets.

    Targets: >= 10,000 objects/s on the large file, CPU of large / small <= 1.1x the object
    ratio (linear), peak RSS <= 200 MB."""
    sources = {"this": REPO / "src"}
    if baseline_src is not None:
        sources["baseline"] = baseline_src
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(rounds):
        for label, src in sources.items():
            for size, (path, _count) in (("small", small), ("large", large)):
                runs.setdefault((label, size), []).append(run_cli(path, [], src))
    ratio = large[1] / small[1]
    for label in sources:
        big, little = runs[(label, "large")], runs[(label, "small")]
        wall = statistics.median(r["wall"] for r in big)
        best = min(r["wall"] for r in big)
        cpu_big = statistics.median(r["cpu"] for r in big)
        cpu_small = statistics.median(r["cpu"] for r in little)
        peak = max(r["peak_mb"] for r in big)
        rate, rate_best = large[1] / wall, large[1] / best
        growth = cpu_big / cpu_small
        print(
            f"cli check --format json [{label}], {rounds} paired rounds, medians [best]:\n"
            f"  {large[1]:,} objects: {wall:.2f} s [{best:.2f}] wall, {cpu_big:.2f} s CPU, "
            f"{rate:,.0f} [{rate_best:,.0f}] objects/s = {rate / CLI_TARGET:.2f}x "
            f"[{rate_best / CLI_TARGET:.2f}x] of >= {CLI_TARGET:,}/s (exit {big[0]['code']:.0f})\n"
            f"  CPU {large[1]:,} / {small[1]:,} objects: {growth:.1f}x for {ratio:.0f}x the "
            f"objects = {growth / (ratio * 1.1):.2f}x of <= {ratio * 1.1:.0f}x\n"
            f"  peak RSS {peak:.0f} MB = {peak / CLI_PEAK_MB:.2f}x of <= {CLI_PEAK_MB} MB"
        )
    if baseline_src is not None:
        this = statistics.median(r["cpu"] for r in runs[("this", "large")])
        base = statistics.median(r["cpu"] for r in runs[("baseline", "large")])
        print(f"  CPU this / baseline on {large[1]:,} objects: {this / base:.3f} (medians)")


def bench_peer(name: str, cmd: list[str], count: int) -> str:
    started = time.perf_counter()
    try:
        res = subprocess.run(cmd, capture_output=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{name}: failed to run ({exc})"
    elapsed = time.perf_counter() - started
    return f"{name}: {elapsed:.1f} s, {count / elapsed:,.0f} objects/s (exit {res.returncode})"


def find_trivy() -> Path | None:
    if not PEERS.exists():
        return None
    for root, _dirs, files in os.walk(PEERS):
        if "trivy" in files:
            candidate = Path(root) / "trivy"
            if os.access(candidate, os.X_OK) and candidate.is_file():
                return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true")
    parser.add_argument("--cli-rounds", type=int, default=3)
    parser.add_argument(
        "--baseline-src", help="another checkout's src/: its CLI runs in the same rounds"
    )
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()

    objects = make_objects(args.count)
    path = REPO / ".cache" / "bench" / f"manifests-{args.count}.yaml"
    if not path.exists():
        write_stream(objects, path)
    size_mb = path.stat().st_size / 1e6
    print(f"input: {path} ({args.count:,} objects, {size_mb:.1f} MB)")
    try:
        load = os.getloadavg()[0]
        print(f"load average: {load:.2f} on {os.cpu_count()} cores (figures assume an idle core)")
    except OSError:
        pass

    rates = bench_in_process(objects, args.repeat)
    for name, (wall, cpu) in rates.items():
        print(f"in-process {name:<18} {wall:>10,.0f} pods/s wall, {cpu:>10,.0f} pods/s CPU")
    combined = rates["psa + scc"][1]
    verdict = "meets" if combined >= TARGET else "below"
    print(
        f"target >= {TARGET:,}/s (psa + scc, one core, CPU time): {verdict} "
        f"({combined / TARGET:.2f}x)"
    )
    print(f"parse (libyaml events, line numbers)     {bench_parse(path):>10,.0f} docs/s")

    if not args.no_cli:
        small_count = max(1, args.count // 10)
        small_path = REPO / ".cache" / "bench" / f"manifests-{small_count}.yaml"
        if not small_path.exists():
            write_stream(make_objects(small_count), small_path)
        baseline = Path(args.baseline_src).resolve() if args.baseline_src else None
        bench_cli((small_path, small_count), (path, args.count), args.cli_rounds, baseline)
        print(f"load average after the CLI runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    if args.no_peers:
        return
    checkov = PEERS / "bin" / "checkov"
    trivy = find_trivy()
    if checkov.exists():
        print(
            bench_peer(
                "checkov",
                [
                    str(checkov),
                    "-f",
                    str(path),
                    "--framework",
                    "kubernetes",
                    "--quiet",
                    "--compact",
                    "-o",
                    "json",
                ],
                args.count,
            )
        )
    else:
        print("checkov: not installed (run bench/peers/setup.sh)")
    if trivy is not None:
        print(
            bench_peer(
                "trivy",
                [
                    str(trivy),
                    "config",
                    "--quiet",
                    "--skip-check-update",
                    "--format",
                    "json",
                    str(path),
                ],
                args.count,
            )
        )
    else:
        print("trivy: not installed (run bench/peers/setup.sh)")


if __name__ == "__main__":
    main()
