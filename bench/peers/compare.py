"""Side-by-side: unroot vs hadolint, trivy and checkov on the labelled Dockerfile corpus.

Run ``bench/peers/setup.sh`` once, then ``.venv/bin/python bench/peers/compare.py`` from the
repository root. Every tool gets the whole corpus in ONE process (each one's natural batch
mode: hadolint with all files, trivy and checkov with the corpus directory, unroot with all
case directories), offline; one untimed warm-up run each, then the best of ``--runs`` timed
runs. Peers' rule ids are mapped to unroot's categories; a category a peer has no rule for is
shown as "-". A peer's root verdict is "root" when any of its root-user rules fired.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PEERS = Path(__file__).resolve().parent
VENV = PEERS / ".venv"
sys.path.insert(0, str(REPO / "tests" / "corpus"))

import corpus_metrics as cm  # noqa: E402

# peer rule id -> unroot category
HADOLINT = {"DL3002": "no_user", "DL3004": "no_user"}
TRIVY = {"DS002": "no_user", "DS010": "no_user"}
CHECKOV = {"CKV_DOCKER_3": "no_user", "CKV_DOCKER_8": "no_user"}
ROOT_RULES = {
    "hadolint": {"DL3002"},
    "trivy": {"DS002"},
    "checkov": {"CKV_DOCKER_3", "CKV_DOCKER_8"},
}
SHOWCASE = (
    "builder-root-final-nonroot",
    "go-distroless-nonroot",
    "final-root-after-app-stage",
    "user-0",
    "user-0-0",
    "user-root-root",
    "redis-gosu",
)
SEES = {"hadolint": {"no_user"}, "trivy": {"no_user"}, "checkov": {"no_user"}}


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def _case_of(path: str) -> str | None:
    parts = Path(path).parts
    if "cases" in parts:
        i = parts.index("cases")
        if i + 1 < len(parts):
            return parts[i + 1]
    return None


class Runner:
    """One command line per tool; timed round-robin so machine load hits every tool alike."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        self.env = env
        self.times: list[float] = []
        self.cpu: list[float] = []
        self.out = ""

    def run(self, timed: bool = True) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(self.argv, env=self.env, capture_output=True, text=True, cwd=REPO)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if not proc.stdout.strip():
            raise RuntimeError(f"{self.argv[0]} printed nothing: {proc.stderr[-2000:]}")
        if timed:
            self.times.append(elapsed)
            self.cpu.append(cpu)
        self.out = proc.stdout


def unroot_runner(names: list[str]) -> Runner:
    exe = str(REPO / ".venv" / "bin" / "unroot")
    argv = [exe, "scan", "--format", "json", *(str(cm.case_dir(n)) for n in names)]
    env = _env(UNROOT_BASE_LOOKUP="0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a pip-installed tool has its bytecode cached
    return Runner(argv, env)


def unroot_answers(names: list[str], out: str) -> dict[str, cm.Answer]:
    answers: dict[str, cm.Answer] = {}
    for target in json.loads(out)["targets"]:
        name = _case_of(target["ref"])
        if name:
            cats = {f["category"] for f in target["findings"] if f["category"] != "input"}
            answers[name] = cm.Answer(target["verdict"], cats)
    return answers


def _peer_answers(
    names: list[str], hits: dict[str, set[str]], mapping: dict[str, str], root_rules: set[str]
) -> dict[str, cm.Answer]:
    answers: dict[str, cm.Answer] = {}
    for name in names:
        ids = hits.get(name, set())
        verdict = "root" if ids & root_rules else "non-root"
        answers[name] = cm.Answer(verdict, {mapping[i] for i in ids if i in mapping})
    return answers


def hadolint_runner(names: list[str]) -> Runner:
    files = [str(cm.case_dir(n) / "Dockerfile") for n in names]
    return Runner([str(VENV / "bin" / "hadolint"), "--no-fail", "-f", "json", *files], _env())


def hadolint_answers(names: list[str], out: str) -> dict[str, cm.Answer]:
    hits: dict[str, set[str]] = {}
    for item in json.loads(out):
        name = _case_of(item["file"])
        if name:
            hits.setdefault(name, set()).add(item["code"])
    return _peer_answers(names, hits, HADOLINT, ROOT_RULES["hadolint"])


def _trivy_binary() -> str:
    found = shutil.which("trivy", path=str(VENV / "bin"))
    if found:
        return found
    for path in VENV.rglob("trivy"):
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    raise RuntimeError("trivy binary not found in bench/peers/.venv (run setup.sh)")


def trivy_runner(names: list[str]) -> Runner:
    cache = PEERS / ".venv" / "trivy-cache"
    argv = [
        _trivy_binary(),
        "config",
        "--quiet",
        "--format",
        "json",
        "--skip-check-update",
        "--cache-dir",
        str(cache),
        str(cm.CASES),
    ]
    return Runner(argv, _env(TRIVY_DISABLE_VEX_NOTICE="1"))


def trivy_answers(names: list[str], out: str) -> dict[str, cm.Answer]:
    hits: dict[str, set[str]] = {}
    for result in json.loads(out).get("Results") or []:
        name = _case_of(str(result.get("Target", "")))
        if name is None:
            name = _case_of(str(cm.CASES / str(result.get("Target", ""))))
        for mis in result.get("Misconfigurations") or []:
            if name and mis.get("Status", "FAIL") == "FAIL":
                ident = str(mis.get("ID", "")).replace("AVD-", "").replace("-", "")
                hits.setdefault(name, set()).add(ident)
    return _peer_answers(names, hits, TRIVY, ROOT_RULES["trivy"])


def checkov_runner(names: list[str]) -> Runner:
    argv = [
        str(VENV / "bin" / "checkov"),
        "-d",
        str(cm.CASES),
        "--framework",
        "dockerfile",
        "-o",
        "json",
        "--skip-download",
        "--quiet",
        "--compact",
    ]
    env = _env(
        BC_SKIP_MAPPING="TRUE",
        CKV_SKIP_PACKAGE_UPDATE_CHECK="TRUE",
        CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false",
    )
    return Runner(argv, env)


def checkov_answers(names: list[str], out: str) -> dict[str, cm.Answer]:
    data = json.loads(out)
    reports = data if isinstance(data, list) else [data]
    hits: dict[str, set[str]] = {}
    for report in reports:
        for check in report.get("results", {}).get("failed_checks", []):
            name = _case_of(str(check.get("file_path", ""))) or _case_of(
                str(cm.CASES) + str(check.get("file_path", ""))
            )
            if name:
                hits.setdefault(name, set()).add(str(check["check_id"]))
    return _peer_answers(names, hits, CHECKOV, ROOT_RULES["checkov"])


TOOLS: dict[
    str,
    tuple[Callable[[list[str]], Runner], Callable[[list[str], str], dict[str, cm.Answer]]],
] = {
    "unroot": (unroot_runner, unroot_answers),
    "hadolint": (hadolint_runner, hadolint_answers),
    "trivy": (trivy_runner, trivy_answers),
    "checkov": (checkov_runner, checkov_answers),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tools", default=",".join(TOOLS))
    args = parser.parse_args()
    labels = cm.load_labels()
    names = sorted(labels)
    categories = cm.categories_of(labels)
    runners: dict[str, Runner] = {}
    for tool in args.tools.split(","):
        try:
            runner = TOOLS[tool][0](names)
            runner.run(timed=False)  # warm-up: caches, bytecode, page cache
            runners[tool] = runner
        except (OSError, RuntimeError, ValueError) as exc:
            print(f"{tool}: not run ({exc})", file=sys.stderr)
    for _ in range(args.runs):
        for runner in runners.values():
            runner.run()
    print(
        f"corpus: {len(names)} Dockerfiles, each tool one process over all of them; "
        f"{args.runs} timed rounds (round-robin) after a warm-up; best / median wall seconds, "
        "median CPU seconds (user+sys of the tool's processes); "
        "cells are precision/recall; '-' = the tool has no rule for that category\n"
    )
    head = (
        f"{'tool':<9} {'root/non-root':>13} {'exact':>6} {'best s':>7} {'median':>7} {'cpu s':>6}  "
    )
    head += " ".join(f"{c[:14]:>14}" for c in categories)
    print(head)
    for tool, runner in runners.items():
        answers = TOOLS[tool][1](names, runner.out)
        cells = []
        for cat in categories:
            if tool != "unroot" and cat not in SEES.get(tool, set()):
                cells.append(f"{'-':>14}")
                continue
            s = cm.score(labels, answers, cat)
            cells.append(f"{s.precision:>6.2f}/{s.recall:<7.2f}")
        exact = cm.verdict_accuracy(labels, answers) if tool == "unroot" else None
        exact_text = f"{exact:.2f}" if exact is not None else "-"
        best, median = min(runner.times), statistics.median(runner.times)
        cpu = statistics.median(runner.cpu)
        print(
            f"{tool:<9} {cm.root_accuracy(labels, answers):>13.2f} {exact_text:>6} "
            f"{best:>7.2f} {median:>7.2f} {cpu:>6.2f}  " + " ".join(cells)
        )
    print("\nknown peer failures (verdict per tool; label first):")
    for name in SHOWCASE:
        if name not in labels:
            continue
        row = f"  {name:<28} {labels[name].verdict:<20}"
        for tool, runner in runners.items():
            row += f" {tool}={TOOLS[tool][1](names, runner.out)[name].verdict}"
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
