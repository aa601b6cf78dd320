"""--fix output: patched documents re-emitted, comments and untouched documents kept."""

from __future__ import annotations

import pytest

from unroot.pipeline.rewrite import guess_indent, rewrite, unified_diff
from unroot.workload.load import load_text

TEXT = """\
# leading comment
apiVersion: v1
kind: Pod
metadata:
  name: a  # name comment
spec:
  containers:
  - name: c
    image: x
---
apiVersion: v1
kind: ConfigMap
metadata: {name: untouched,   odd:   spacing}
"""


def test_rewrite_keeps_comments_and_other_documents() -> None:
    src = load_text(TEXT, "f.yaml")
    ops = [
        {
            "op": "add",
            "path": "/spec/containers/0/securityContext",
            "value": {"runAsNonRoot": True},
        },
        {"op": "add", "path": "/metadata/annotations", "value": {"unroot.dev/profile": "x"}},
    ]
    new = rewrite(src, {0: ops})
    assert "# leading comment" in new and "# name comment" in new
    assert "metadata: {name: untouched,   odd:   spacing}" in new  # byte-for-byte
    again = load_text(new, "f.yaml").documents[0].obj
    assert again["spec"]["containers"][0]["securityContext"] == {"runAsNonRoot": True}
    assert again["metadata"]["annotations"] == {"unroot.dev/profile": "x"}
    assert "  - name: c\n    image: x\n" in new  # sequence style of the original kept
    diff = unified_diff("f.yaml", TEXT, new)
    assert diff.startswith("--- a/f.yaml\n+++ b/f.yaml\n")
    assert "+    securityContext:" in diff


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("a:\n  b:\n  - x\n", (2, 0)),
        ("a:\n    b:\n      - x\n", (4, 2)),
        ("a:\n  b:\n    - x\n", (2, 2)),
        ("a: 1\n", (2, 0)),
    ],
)
def test_guess_indent(text: str, expect: tuple[int, int]) -> None:
    assert guess_indent(text) == expect
