#!/usr/bin/env python3
"""Which HTTP stack should serve the webhook: CPU per request of a constant review answer.

Every stack reads the POSTed 6.3 KB review and answers the same fixed AdmissionReview over
TLS (ECDSA P-256, keep-alive), pinned to core 1, driven by wrk from core 0; the figure that
decides is the server's CPU per request (``/proc`` user+system time over the requests wrk
completed), which a shared machine distorts far less than throughput. Runs alternate between
stacks for ``--rounds`` rounds; medians are printed with the load average.

Stacks: uvicorn with uvloop + httptools (what ``unroot webhook serve`` runs), uvicorn with
asyncio + h11, granian (ASGI and RSGI) and aiohttp when the interpreter given by ``--python``
has them. They are not dependencies of unroot; to include them, make a scratch virtualenv:
``python3 -m venv /tmp/stacks && /tmp/stacks/bin/pip install uvicorn uvloop httptools granian
aiohttp`` and pass ``--python /tmp/stacks/bin/python``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REVIEW = REPO / "tests" / "admission" / "data" / "pod_create.json"
ANSWER = (
    b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",'
    b'"response":{"uid":"","allowed":true}}'
)
APPS = f"""
ANSWER = {ANSWER!r}
HEADERS = [(b"content-type", b"application/json")]

async def asgi(scope, receive, send):
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while True:
                m = await receive()
                if m["type"] == "lifespan.startup":
                    await send({{"type": "lifespan.startup.complete"}})
                else:
                    await send({{"type": "lifespan.shutdown.complete"}})
                    return
        return
    more = True
    while more:
        m = await receive()
        more = m.get("more_body", False)
    await send({{"type": "http.response.start", "status": 200, "headers": HEADERS}})
    await send({{"type": "http.response.body", "body": ANSWER}})

class RSGI:
    async def __rsgi__(self, scope, proto):
        await proto()
        proto.response_bytes(200, [("content-type", "application/json")], ANSWER)

rsgi = RSGI()

def aiohttp_app():
    from aiohttp import web

    async def handle(request):
        await request.read()
        return web.Response(body=ANSWER, content_type="application/json")

    app = web.Application()
    app.router.add_post("/mutate", handle)
    return app
"""
LUA = """
local f = io.open(os.getenv("UNROOT_BODY"), "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def has(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def stacks(python: str, cert: Path, key: Path) -> dict[str, list[str]]:
    tls = ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    out: dict[str, list[str]] = {}
    if has(python, "uvicorn") and has(python, "uvloop") and has(python, "httptools"):
        out["uvicorn + uvloop + httptools, plain ASGI"] = [
            python,
            "-m",
            "uvicorn",
            "stackapps:asgi",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
            *tls,
            "--port",
            "{port}",
        ]
    if has(python, "uvicorn") and has(python, "h11"):
        out["uvicorn + asyncio + h11, plain ASGI"] = [
            python,
            "-m",
            "uvicorn",
            "stackapps:asgi",
            "--loop",
            "asyncio",
            "--http",
            "h11",
            "--no-access-log",
            "--log-level",
            "warning",
            *tls,
            "--port",
            "{port}",
        ]
    if has(python, "granian"):
        gtls = ["--ssl-certificate", str(cert), "--ssl-keyfile", str(key)]
        for iface, target in (("asgi", "stackapps:asgi"), ("rsgi", "stackapps:rsgi")):
            out[f"granian {iface.upper()}"] = [
                python,
                "-m",
                "granian",
                "--interface",
                iface,
                "--workers",
                "1",
                "--log-level",
                "warning",
                *gtls,
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                target,
            ]
    if has(python, "aiohttp"):
        out["aiohttp web"] = [
            python,
            "-c",
            "import ssl, stackapps; from aiohttp import web; "
            f"c = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH); "
            f"c.load_cert_chain({str(cert)!r}, {str(key)!r}); "
            "web.run_app(stackapps.aiohttp_app(), host='127.0.0.1', port={port}, ssl_context=c, "
            "access_log=None, print=None)",
        ]
    return out


def cpu_seconds(pid: int) -> float:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = task / "children"
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
    total = 0
    for p in set(pids):
        with_stat = Path(f"/proc/{p}/stat")
        if with_stat.exists():
            fields = with_stat.read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(cmd: list[str], folder: Path, seconds: int, connections: int) -> tuple[float, float]:
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in cmd]
    env = dict(os.environ, PYTHONPATH=str(folder), UNROOT_BODY=str(REVIEW))
    proc = subprocess.Popen(
        ["taskset", "-c", "1", *argv],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"stack did not start: {argv}") from None
                time.sleep(0.1)
        url = f"https://127.0.0.1:{port}/mutate"
        run = [
            "taskset",
            "-c",
            "0",
            "wrk",
            "-t1",
            f"-c{connections}",
            "-s",
            str(folder / "post.lua"),
        ]
        subprocess.run([*run, "-d2s", url], env=env, capture_output=True, check=True)
        c0 = cpu_seconds(proc.pid)
        out = subprocess.run(
            [*run, f"-d{seconds}s", url], env=env, capture_output=True, text=True, check=True
        ).stdout
        c1 = cpu_seconds(proc.pid)
        total = next(int(line.split()[0]) for line in out.splitlines() if "requests in" in line)
        rate = next(
            float(line.split()[1]) for line in out.splitlines() if line.startswith("Requests/sec:")
        )
        return rate, (c1 - c0) / max(1, total) * 1e6
    finally:
        proc.terminate()
        proc.wait(20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", default=sys.executable, help="interpreter that has the stacks")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("needs wrk: apt-get install wrk")
    print(f"load average before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    with tempfile.TemporaryDirectory(prefix="unroot-stacks-") as tmp:
        folder = Path(tmp)
        (folder / "stackapps.py").write_text(APPS)
        (folder / "post.lua").write_text(LUA)
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
        found = stacks(args.python, cert, key)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in found}
        for _ in range(args.rounds):
            for name, cmd in found.items():
                results[name].append(measure(cmd, folder, args.seconds, args.connections))
    print(
        f"\nconstant answer to a {REVIEW.stat().st_size}-byte review over TLS, one core, "
        f"wrk -c{args.connections}, {args.rounds} x {args.seconds}s alternating (medians)"
    )
    print(f"{'stack':44s} {'CPU us/req':>10s} {'req/s':>9s}")
    for name, runs in sorted(
        results.items(), key=lambda kv: statistics.median(r[1] for r in kv[1])
    ):
        print(
            f"{name:44s} {statistics.median(r[1] for r in runs):10.0f} "
            f"{statistics.median(r[0] for r in runs):9.0f}"
        )
    print(f"\nload average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
