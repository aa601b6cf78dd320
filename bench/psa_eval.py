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


def rate(objects: list[Any], level: str, version: str, seconds: float) -> float:
    """Evaluations per second over ``objects``, repeated for about ``seconds``."""
    run: Callable[[Any, str, str], Any] = evaluate
    for obj in objects:  # warm caches (version table, first-call costs)
        run(obj, level, version)
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for obj in objects:
            run(obj, level, version)
        done += len(objects)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


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
    print(f"{'case':44} {'level':10} {'pods/s':>10}  vs target {TARGET:,}")
    for label, objects, level in cases:
        per_second = rate(objects, level, "latest", args.seconds)
        print(f"{label:44} {level:10} {per_second:10,.0f}  {per_second / TARGET:5.1f}x")


if __name__ == "__main__":
    main()
