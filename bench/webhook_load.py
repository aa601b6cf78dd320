#!/usr/bin/env python3
"""Load benchmark of ``unroot webhook serve`` over TLS on loopback, with real load generators.

Starts the server pinned to one core (``taskset``), drives it from the other core with
Debian's ``wrk`` (saturation; a Lua script gives every request its own uid) and ``h2load --h1
--rps`` (fixed rate; per-request latencies from its ``--log-file``), and prints:

* saturation throughput of the real server and of the same server answering a constant
  response (``--constant-response``: same stack, TLS, body read; no decode, policy or patch),
  from paired, alternating runs (medians and best), and their ratio against the 70 % target;
* p50 / p99 / p99.9 latency at a fixed 1,000 req/s, against the 5 ms target (goal 2 ms), for
  both servers;
* resident memory after warm-up and after 1,000,000 requests (``--million`` sets the count);
* saturation throughput with 2 worker processes;
* the in-process cost of each stage (decode, policy, encode) per review;
* the load average before and after, since the machine may be shared.

The review is the recorded 6.3 KB Pod CREATE review in ``tests/admission/data``; the
answer is an allow with a 6-operation JSON Patch. wrk and h2load (``wrk``, ``nghttp2-client``)
are installed with apt-get when missing and running as root; only this benchmark needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REVIEW = REPO / "tests" / "admission" / "data" / "pod_create.json"
LUA = """
local f = io.open(os.getenv("UNROOT_BODY"), "rb"); local body = f:read("*a"); f:close()
local head, tail = body:match('^(.-"uid": ")[^"]*(".*)$')
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local uid = string.format("bench-%08x-%d", math.random(0, 0x7fffffff), n)
  return wrk.format(nil, nil, nil, head .. uid .. tail)
end
"""


def need_tools() -> None:
    missing = [
        t for t, pkg in (("wrk", "wrk"), ("h2load", "nghttp2-client")) if not shutil.which(t)
    ]
    if not missing:
        return
    packages = ["wrk" if t == "wrk" else "nghttp2-client" for t in missing]
    if os.geteuid() != 0:
        sys.exit(f"need {', '.join(missing)}: apt-get install {' '.join(packages)}")
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=True,
        env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
    )


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def make_cert(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Server:
    def __init__(self, folder: Path, name: str, *extra: str, cpus: str = "1") -> None:
        cert, key = (
            make_cert(folder)
            if not (folder / "tls.crt").exists()
            else (folder / "tls.crt", folder / "tls.key")
        )
        self.err = folder / f"{name}.err"
        state = folder / f"{name}.db"
        cmd = [
            "taskset",
            "-c",
            cpus,
            sys.executable,
            "-m",
            "unroot",
            "webhook",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
            "--state",
            str(state),
            *extra,
        ]
        with open(self.err, "wb") as fh:
            self.proc = subprocess.Popen(cmd, stderr=fh, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while "listening on" not in self.err.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server failed: {self.err.read_text()}")
            time.sleep(0.05)
        self.port = int(self.err.read_text().split("127.0.0.1:")[1].split()[0])
        self.url = f"https://127.0.0.1:{self.port}"
        import ssl

        self._ctx = ssl.create_default_context(cafile=str(cert))
        while True:
            try:
                self.get("/readyz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        # Allocate the namespace's range before measuring (a one-time SQLite write).
        req = urllib.request.Request(self.url + "/mutate", REVIEW.read_bytes(), method="POST")
        urllib.request.urlopen(req, context=self._ctx).read()

    def get(self, path: str) -> str:
        return urllib.request.urlopen(self.url + path, context=self._ctx, timeout=5).read().decode()

    def requests(self) -> int:
        total = 0
        for line in self.get("/metrics").splitlines():
            if line.startswith("unroot_admission_requests_total{"):
                total += int(line.rsplit(" ", 1)[1])
        return total

    def rss_mb(self) -> float:
        """Resident memory of the serving process(es) (taskset execs the server in place)."""
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU of the serving process(es) so far."""
        total = 0
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


@contextlib.contextmanager
def server(folder: Path, name: str, *extra: str, cpus: str = "1") -> Iterator[Server]:
    srv = Server(folder, name, *extra, cpus=cpus)
    try:
        yield srv
    finally:
        srv.stop()


def saturate(srv: Server, seconds: float, connections: int, folder: Path) -> tuple[float, float]:
    """(requests/s, server CPU microseconds per request): the second is robust to a shared
    machine, since it counts only the CPU the server itself used."""
    n0, c0 = srv.requests(), srv.cpu_seconds()
    rate = wrk(srv.url, seconds, connections, folder)
    n1, c1 = srv.requests(), srv.cpu_seconds()
    return rate, (c1 - c0) / max(1, n1 - n0) * 1e6


def wrk(url: str, seconds: float, connections: int, folder: Path, cpus: str = "0") -> float:
    script = folder / "post.lua"
    script.write_text(LUA)
    out = subprocess.run(
        [
            "taskset",
            "-c",
            cpus,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "-s",
            str(script),
            url + "/mutate",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, UNROOT_BODY=str(REVIEW)),
        check=True,
    ).stdout
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit(f"wrk printed no rate:\n{out}")


def fixed_rate(url: str, rate: int, seconds: int, folder: Path) -> dict[str, float]:
    clients = 10
    log = folder / "h2load.log"
    log.unlink(missing_ok=True)
    out = subprocess.run(
        [
            "taskset",
            "-c",
            "0",
            "h2load",
            "--h1",
            "-c",
            str(clients),
            "--rps",
            str(rate // clients),
            "-n",
            str(rate * seconds),
            "-d",
            str(REVIEW),
            "-H",
            "Content-Type: application/json",
            f"--log-file={log}",
            url + "/mutate",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lat = sorted(int(line.split("\t")[2]) / 1000 for line in log.read_text().splitlines() if line)
    ok = sum(1 for line in log.read_text().splitlines() if line.split("\t")[1] == "200")
    if not lat:
        raise SystemExit(f"h2load logged nothing:\n{out}")

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))]

    return {
        "n": len(lat),
        "ok": ok,
        "p50": pct(50),
        "p99": pct(99),
        "p99.9": pct(99.9),
        "max": lat[-1],
    }


def stage_costs() -> dict[str, float]:
    """Microseconds of CPU per review for each stage, in this process (best of 5)."""
    import orjson

    from unroot.admission import review as rv
    from unroot.admission.engine import Engine
    from unroot.policy.scc import builtin_profiles
    from unroot.policy.uidrange import UIDRange

    raw = REVIEW.read_bytes()
    engine = Engine(builtin_profiles())
    rng = UIDRange(1_000_680_000, 10_000)
    obj = rv.decode(raw).request.object  # type: ignore[union-attr]
    assert obj is not None
    out = engine.evaluate(
        obj, allowed_profiles=["restricted-v2"], uid_range=rng, namespace_annotations=None
    )

    def best(fn, n: int = 3000) -> float:  # type: ignore[no-untyped-def]
        fn()
        times = []
        for _ in range(5):
            t0 = time.process_time()
            for _ in range(n):
                fn()
            times.append((time.process_time() - t0) / n * 1e6)
        return min(times)

    return {
        "decode (msgspec, typed, one pass)": best(lambda: rv.decode(raw)),
        "policy (admit_object: SCC admit + patch)": best(
            lambda: engine.evaluate(
                obj, allowed_profiles=["restricted-v2"], uid_range=rng, namespace_annotations=None
            )
        ),
        "encode (patch JSON + base64 + review)": best(
            lambda: rv.encode(
                "u", True, patch=orjson.dumps(out.patch), audit_annotations={"a": "b"}
            )
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10, help="each saturation run")
    ap.add_argument("--rounds", type=int, default=3, help="paired real/constant saturation runs")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--rate-seconds", type=int, default=20)
    ap.add_argument("--million", type=int, default=1_000_000, help="requests for the memory run")
    args = ap.parse_args()
    need_tools()
    if (os.cpu_count() or 1) < 2:
        sys.exit("needs 2 cores: one for the server, one for the load generator")
    print(f"load average before: {loadavg()}")
    print(f"review: {REVIEW.name}, {REVIEW.stat().st_size} bytes; server on core 1, load on core 0")
    with tempfile.TemporaryDirectory(prefix="unroot-bench-") as tmp:
        folder = Path(tmp)
        real_rates: list[float] = []
        const_rates: list[float] = []
        real_cpu: list[float] = []
        const_cpu: list[float] = []
        with (
            server(folder, "real") as real,
            server(folder, "const", "--constant-response") as const,
        ):
            for srv in (real, const):  # warm-up
                wrk(srv.url, 2, args.connections, folder)
            for _ in range(args.rounds):
                rate, cpu = saturate(real, args.seconds, args.connections, folder)
                real_rates.append(rate)
                real_cpu.append(cpu)
                rate, cpu = saturate(const, args.seconds, args.connections, folder)
                const_rates.append(rate)
                const_cpu.append(cpu)
            lat_real = fixed_rate(real.url, args.rate, args.rate_seconds, folder)
            lat_const = fixed_rate(const.url, args.rate, args.rate_seconds, folder)
        r_med, c_med = statistics.median(real_rates), statistics.median(const_rates)
        ratio = r_med / c_med
        print(
            f"\n== saturation, 1 worker (wrk -t1 -c{args.connections}, {args.seconds:g}s x "
            f"{args.rounds}, alternating) =="
        )
        for label, med, rates in (
            ("real server", r_med, real_rates),
            ("constant answer", c_med, const_rates),
        ):
            runs = [round(x) for x in rates]
            print(f"{label:16s} median {med:8.0f} req/s  best {max(rates):8.0f}  runs {runs}")
        verdict = "MET" if ratio >= 0.7 else "NOT MET"
        print(f"ratio real/constant: {ratio:.0%} (target >= 70%) {verdict}")
        rc, cc = statistics.median(real_cpu), statistics.median(const_cpu)
        print(
            f"server CPU per request: real {rc:.0f} us, constant {cc:.0f} us; "
            f"ratio constant/real {cc / rc:.0%} (the throughput ratio a dedicated core would give)"
        )
        print(f"\n== fixed rate {args.rate} req/s for {args.rate_seconds}s (h2load --h1 --rps) ==")
        for label, lat in (("real server", lat_real), ("constant answer", lat_const)):
            print(
                f"{label:16s} n={lat['n']:.0f} ok={lat['ok']:.0f}  p50 {lat['p50']:.2f} ms  "
                f"p99 {lat['p99']:.2f} ms  p99.9 {lat['p99.9']:.2f} ms  max {lat['max']:.2f} ms"
            )
        p99 = lat_real["p99"]
        print(
            f"p99 target <= 5 ms: {'MET' if p99 <= 5 else 'NOT MET'} (goal 2 ms: "
            f"{'MET' if p99 <= 2 else 'not met'})"
        )

        print(f"\n== memory over {args.million:,} requests (real server) ==")
        with server(folder, "memory") as mem:
            samples = []
            done = mem.requests()
            while done < args.million:
                wrk(mem.url, 20, args.connections, folder)
                done = mem.requests()
                samples.append((done, mem.rss_mb()))
                print(f"  after {done:>9,} requests: RSS {samples[-1][1]:6.1f} MB", flush=True)
            warm = next(
                (rss for n, rss in samples if n >= min(100_000, args.million // 2)), samples[0][1]
            )
            print(
                f"RSS after warm-up {warm:.1f} MB, after {done:,} requests {samples[-1][1]:.1f} MB "
                f"(growth {samples[-1][1] - warm:+.1f} MB)"
            )

        print(
            "\n== saturation, 2 worker processes (server on both cores, sharing them with wrk) =="
        )
        with server(folder, "two", "--workers", "2", cpus="0,1") as two:
            wrk(two.url, 2, args.connections, folder, cpus="0,1")
            rates = [
                wrk(two.url, args.seconds, args.connections * 2, folder, cpus="0,1")
                for _ in range(args.rounds)
            ]
        print(
            f"2 workers        median {statistics.median(rates):8.0f} req/s  best {max(rates):8.0f}"
        )

    print("\n== in-process CPU per review (best of 5) ==")
    for stage, micros in stage_costs().items():
        print(f"  {stage:40s} {micros:7.1f} us")
    print(f"\nload average after: {loadavg()}")


if __name__ == "__main__":
    main()
