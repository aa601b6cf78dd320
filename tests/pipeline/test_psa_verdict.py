"""verdict_for_stream: the text and exit code of ``unroot check --format verdict``."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from unroot.pipeline.psa_verdict import verdict_for_stream
from unroot.workload.load import MAX_BYTES

GOOD = b"""
apiVersion: v1
kind: Pod
metadata: {name: good}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: x
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
"""
BAD = b"""
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  hostNetwork: true
  containers:
  - {name: c, image: x, securityContext: {privileged: true}}
"""


def test_allow_and_deny() -> None:
    assert verdict_for_stream(GOOD, "restricted", "latest") == ("allow", 0)
    text, code = verdict_for_stream(BAD, "baseline", "v1.30")
    assert code == 1
    assert text == (
        "deny host namespaces (hostNetwork=true); "
        'privileged (container "c" must not set securityContext.privileged=true)'
    )


def test_json_input() -> None:
    import yaml

    data = json.dumps(yaml.safe_load(BAD)).encode()
    assert verdict_for_stream(data, "baseline", "latest")[1] == 1


def test_several_documents_deny_if_any_denies() -> None:
    service = b"apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
    text, code = verdict_for_stream(
        GOOD + b"---\n" + service + b"---\n" + BAD, "baseline", "latest"
    )
    assert code == 1
    assert text.startswith('deny Pod "bad": host namespaces')
    assert verdict_for_stream(GOOD + b"---\n" + service, "restricted", "latest") == ("allow", 0)


def test_kind_list_is_expanded() -> None:
    import yaml

    items = [yaml.safe_load(GOOD), yaml.safe_load(BAD)]
    data = json.dumps({"apiVersion": "v1", "kind": "List", "items": items}).encode()
    assert verdict_for_stream(data, "baseline", "latest")[1] == 1


@pytest.mark.parametrize(
    ("data", "level", "version", "message"),
    [
        (GOOD, "strict", "latest", "unknown Pod Security level"),
        (GOOD, "baseline", "1.30", "invalid Pod Security version"),
        (b"kind: Service\n", "baseline", "latest", "no Pod or workload"),
        (b"", "baseline", "latest", "no Pod or workload"),
        (b"a: [unclosed\n", "baseline", "latest", "invalid YAML"),
        (b"kind: Pod\nspec: {containers: 7}\n", "baseline", "latest", "expected a list"),
        (b"[" * 100_000 + b"]" * 100_000, "baseline", "latest", "nested"),
        (b"a:" + b" [" * 200 + b"]" * 200, "baseline", "latest", "nested"),
    ],
)
def test_errors(data: bytes, level: str, version: str, message: str) -> None:
    text, code = verdict_for_stream(data, level, version)
    assert code == 2
    assert text.startswith("error: ")
    assert message in text


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("kind: Pod")
    start = time.perf_counter()
    text, code = verdict_for_stream("\n".join(lines).encode(), "baseline", "latest")
    assert (code, "alias bomb" in text) == (2, True)
    assert time.perf_counter() - start < 2


def test_small_aliases_are_fine() -> None:
    doc = GOOD.replace(b"capabilities: {drop: [ALL]}", b"capabilities: &caps {drop: [ALL]}")
    assert verdict_for_stream(doc, "restricted", "latest") == ("allow", 0)


def test_oversized_input() -> None:
    text, code = verdict_for_stream(b" " * (MAX_BYTES + 1), "baseline", "latest")
    assert code == 2 and "larger than" in text


def test_cli_prints_errors_on_stderr_only() -> None:
    def check(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
        cmd = [sys.executable, "-m", "unroot", "check", "--format", "verdict", *args, "-"]
        return subprocess.run(cmd, input=stdin, capture_output=True, check=False)

    res = check(b"kind: Service\n", "--level", "baseline")
    assert (res.returncode, res.stdout) == (2, b"")
    assert res.stderr.startswith(b"error: ")
    res = check(BAD, "--level", "baseline", "--version", "v1.0")
    assert res.returncode == 1 and res.stdout.startswith(b"deny host namespaces")


def test_import_stays_light() -> None:
    code = (
        "import sys, unroot.pipeline.psa_verdict as m; "
        "m.verdict_for_stream(b'kind: Pod\\nspec: {containers: []}\\n', 'baseline', 'latest'); "
        "print(sorted(n for n in ('rich', 'ruamel') if n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_many_documents_are_not_mistaken_for_a_bomb() -> None:
    data = b"---\n".join([GOOD] * 3000)
    assert verdict_for_stream(data, "restricted", "latest") == ("allow", 0)
