"""Benchmark: what ``unroot verify`` adds over a plain ``podman run`` plus the same probe.

Usage::

    .venv/bin/python bench/verify.py                      # the default images, 5 rounds
    .venv/bin/python bench/verify.py --repeat 9
    .venv/bin/python bench/verify.py --image REF --probe http://:8080/ [--userns]

Per image, three runs alternate in every round (the machine is shared, so pairs taken at the
same moment are compared, never absolute times):

- **plain**: ``podman run -d`` with the same profile (user, capabilities, port), then the same
  probe, polled on the same schedule as verify, then ``podman rm -f``; timed in this process;
- **verify, tracing off**: ``unroot verify IMAGE --probe SPEC --trace never`` (a new process:
  interpreter start, podman detection, sampling, logs and removal are all counted);
- **verify, tracing on**: the same with ``--trace always`` (strace attached before start).

Printed: medians and best of the wall times, the seconds verify adds over plain (target < 1 s
with tracing off), and the service's own start (container start until the probe first passes)
with tracing on against plain (target <= 3x), plus the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))

from unroot.runtime.podman import Podman  # noqa: E402
from unroot.runtime.ports import PortAllocator  # noqa: E402
from unroot.runtime.probes.base import ProbeContext, attempt  # noqa: E402
from unroot.runtime.probes.registry import probe_for  # noqa: E402
from unroot.runtime.probes.spec import ProbeSpec, parse_probe  # noqa: E402
from unroot.runtime.verify import POLL_FIRST, POLL_MAX  # noqa: E402

ADDED_LIMIT = 1.0
START_RATIO_LIMIT = 3.0
MEASURABLE_START = 0.05
"""Below this, the service was listening before podman returned: a ratio of noise."""
HTTPD = """\
FROM localhost/unroot-base/busybox:latest
RUN mkdir /www && echo bench > /www/index.html && chgrp -R 0 /www && chmod -R g=u /www
EXPOSE 8080
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
"""


@dataclass
class Series:
    wall: list[float] = field(default_factory=list)
    start: list[float] = field(default_factory=list)

    def median(self, attr: str = "wall") -> float:
        return statistics.median(getattr(self, attr))

    def best(self, attr: str = "wall") -> float:
        return min(getattr(self, attr))


def build_httpd(podman: Podman) -> str:
    tag = "localhost/unroot-test/bench-verify-httpd:1"
    if not podman.image_exists(tag):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "Containerfile").write_text(HTTPD)
            podman.build(Path(tmp), tag)
    return tag


def default_images(podman: Podman) -> list[tuple[str, str, str, bool]]:
    """(label, image, probe, userns): a trivial server, a real daemon that runs restricted as
    packaged, and a heavier daemon started as root in a user namespace."""
    import daemon_images

    return [
        ("busybox httpd", build_httpd(podman), "http://:8080/", False),
        ("memcached", daemon_images.build(podman, "memcached"), "memcached:11211", False),
        ("mariadb (--userns)", daemon_images.build(podman, "mariadb"), "mysql:3306", True),
        ("postgresql (--userns)", daemon_images.build(podman, "postgresql"), "postgres:5432", True),
    ]


def poll(spec: ProbeSpec, ports: dict[tuple[int, str], int], timeout: float) -> float:
    """Seconds until ``spec`` passes, polled like verify polls (same first delay and back-off)."""
    ctx = ProbeContext("127.0.0.1", ports, timeout=2.0)
    probe = probe_for(spec.kind)
    start = time.monotonic()
    delay = POLL_FIRST
    while True:
        if attempt(probe, spec, ctx).ok:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise SystemExit(f"plain run: {spec} not ready within {timeout}s")
        time.sleep(delay)
        delay = min(delay * 1.5, POLL_MAX)


def plain_run(podman: Podman, image: str, spec: ProbeSpec, userns: bool) -> tuple[float, float]:
    """podman run -d + probe + rm -f; returns (wall, service start)."""
    (port, proto) = spec.ports()[0]
    with PortAllocator().allocate() as lease:
        profile = (
            ["--userns=auto", "--security-opt", "no-new-privileges"]
            if userns
            else ["--user", "1000680000:0", "--cap-drop", "ALL",
                  "--security-opt", "no-new-privileges"]
        )  # fmt: skip
        t0 = time.monotonic()
        cid = podman.run_cmd(
            ["run", "-d", *profile, "--publish", f"127.0.0.1:{lease.port}:{port}/{proto}", image]
        ).stdout.strip()
        try:
            start = poll(spec, {(port, proto): lease.port}, 120)
        finally:
            podman.run_cmd(["rm", "--force", "--time", "0", cid], check=False)
        return time.monotonic() - t0, start


def verify_run(image: str, probe: str, userns: bool, trace: str) -> tuple[float, float]:
    """``unroot verify`` in a new process; returns (wall, service start)."""
    argv = [sys.executable, "-m", "unroot", "verify", image, "--probe", probe, "--trace", trace,
            "--format", "json", "--timeout", "120"] + (["--userns"] if userns else [])  # fmt: skip
    t0 = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, env=os.environ)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"verify failed ({proc.returncode}): {proc.stderr or proc.stdout[-2000:]}")
    (result,) = json.loads(proc.stdout)["results"]
    return wall, float(result["probes"][0]["ready_after"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--image", help="measure this image (with --probe) instead of the defaults")
    ap.add_argument("--probe", help="probe SPEC for --image")
    ap.add_argument("--userns", action="store_true", help="with --image: user-namespaced mode")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    podman = Podman.detect()
    if args.image:
        if not args.probe:
            ap.error("--image needs --probe")
        cases = [(args.image, args.image, args.probe, args.userns)]
    else:
        cases = default_images(podman)
    print(f"rounds: {args.repeat}; each round runs plain, verify (trace off), verify (trace on)")
    for label, image, probe, userns in cases:
        spec = parse_probe(probe)
        plain, off, on = Series(), Series(), Series()
        verify_run(image, probe, userns, "never")  # warm-up: page cache, first userns mapping
        for _ in range(args.repeat):
            for series, kind in ((plain, "plain"), (off, "never"), (on, "always")):
                if kind == "plain":
                    wall, start = plain_run(podman, image, spec, userns)
                else:
                    wall, start = verify_run(image, probe, userns, kind)
                series.wall.append(wall)
                series.start.append(start)
        added = off.median() - plain.median()
        added_on = on.median() - plain.median()
        start_ratio = on.median("start") / max(plain.median("start"), 1e-3)
        measurable = plain.median("start") >= MEASURABLE_START
        print(f"\n{label}  ({image}, probe {probe})")
        print(f"  {'':22} {'median':>8} {'best':>8} {'start med':>10} {'start best':>11}")
        for name, series in (("plain podman + probe", plain), ("verify, trace off", off),
                             ("verify, trace on", on)):  # fmt: skip
            print(
                f"  {name:22} {series.median():8.3f} {series.best():8.3f} "
                f"{series.median('start'):10.3f} {series.best('start'):11.3f}"
            )
        verdict = "ok" if added < ADDED_LIMIT else "OVER"
        print(
            f"  added by verify (trace off): {added:+.3f} s, ratio "
            f"{off.median() / plain.median():.2f}x  [target < {ADDED_LIMIT:g} s: {verdict}]"
        )
        print(f"  added by verify (trace on):  {added_on:+.3f} s")
        verdict = "ok" if start_ratio <= START_RATIO_LIMIT else "OVER"
        if not measurable:
            verdict = f"n/a: plain start under {MEASURABLE_START * 1000:g} ms, it was ready "
            verdict += "when podman returned"
        print(
            f"  service start, trace on / plain: {start_ratio:.2f}x "
            f"(median {on.median('start'):.3f} s vs {plain.median('start'):.3f} s)  "
            f"[target <= {START_RATIO_LIMIT:g}x: {verdict}]"
        )
    load = os.getloadavg()
    print(f"\nload average after the runs: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"({os.cpu_count()} CPUs)")  # fmt: skip


if __name__ == "__main__":
    main()
