"""In-process Pod Security evaluation speed: pods per second against the 20,000/s target.

Usage: .venv/bin/python bench/psa_eval.py [--seconds S]

Measures ``unroot.policy.psa.evaluate`` on already-parsed objects (parsing is not part of the
figure), single-threaded: a typical hardened Deployment, a typical unhardened one, and every
fixture of the shared conformance corpus when it is present beside the repository.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unroot.policy.psa import evaluate

TARGET = 20_000
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "psa"


def _container(name: str, hardened: bool) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": "registry.example/app:1.2.3",
        "ports": [{"containerPort": 8080, "name": "http"}],
        "env": [{"name": "MODE", "value": "production"}],
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
        "readinessProbe": {"tcpSocket": {"port": 8080}},
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }
    if hardened:
        container["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
        }
    return container


def deployment(hardened: bool) -> dict[str, Any]:
    """A two-container Deployment with an init container, volumes and probes."""
    spec: dict[str, Any] = {
        "containers": [_container("app", hardened), _container("sidecar", hardened)],
        "initContainers": [_container("init", hardened)],
        "volumes": [
            {"name": "data", "emptyDir": {}},
            {"name": "config", "configMap": {"name": "app-config"}},
        ],
    }
    if hardened:
        spec["securityContext"] = {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app", "namespace": "prod"},
        "spec": {
            "selector": {"matchLabels": {"app": "app"}},
            "template": {"metadata": {"labels": {"app": "app"}}, "spec": spec},
        },
    }


def rate(objects: list[Any], level: str, version: str, seconds: float) -> tuple[float, float]:
    """Evaluations per wall-clock second and per CPU second, over about ``seconds``.

    Both are printed because this machine kind is shared: under load, wall-clock time also
    counts time spent waiting for a core, while process CPU time counts only our own work.
    """
    run: Callable[[Any, str, str], Any] = evaluate
    for obj in objects:  # warm caches (version table, first-call costs)
        run(obj, level, version)
    done = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    deadline = start + seconds
    while True:
        for obj in objects:
            run(obj, level, version)
        done += len(objects)
        now = time.perf_counter()
        if now >= deadline:
            cpu = time.process_time() - cpu_start
            return done / (now - start), done / cpu if cpu > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    cases: list[tuple[str, list[Any], str]] = [
        ("hardened Deployment (3 containers)", [deployment(True)], "restricted"),
        ("unhardened Deployment (3 containers)", [deployment(False)], "restricted"),
        ("hardened Deployment (3 containers)", [deployment(True)], "baseline"),
    ]
    index = CORPUS / "index.json"
    if index.is_file():
        import yaml

        entries = json.loads(index.read_text())
        pods = [yaml.safe_load((CORPUS / e["file"]).read_text()) for e in entries]
        cases.append((f"conformance corpus ({len(pods)} pods)", pods, "restricted"))
    print(f"one core, evaluate() on parsed objects; target {TARGET:,} pods/s")
    print(f"{'case':40} {'level':10} {'pods/s wall':>12} {'pods/s CPU':>11} {'vs target':>9}")
    for label, objects, level in cases:
        wall, cpu = rate(objects, level, "latest", args.seconds)
        print(f"{label:40} {level:10} {wall:12,.0f} {cpu:11,.0f} {cpu / TARGET:8.1f}x")


if __name__ == "__main__":
    main()
