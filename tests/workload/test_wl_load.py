"""Loader: documents, Lists, Helm sources, line numbers, and hostile input."""

from __future__ import annotations

import io
import time

import pytest

from unroot.errors import InputError
from unroot.workload import load
from unroot.workload.load import Document, load_text, read_bounded

STREAM = """\
# Source: chart/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx
          securityContext:
            runAsUser: 0
---
# Source: chart/templates/list.yaml
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: in-list
  spec:
    containers:
    - name: c
      image: busybox
...
---
- just
- a list
---
---
foo: bar
"""


def _line(text: str, needle: str, start: int = 0) -> int:
    """1-based number of the first line (from ``start``) containing ``needle``."""
    for number, line in enumerate(text.splitlines()[start:], start + 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_documents_kinds_names_and_sources() -> None:
    src = load_text(STREAM, "s.yaml")
    assert [(d.kind, d.name, d.namespace) for d in src.documents] == [
        ("Deployment", "web", "shop"),
        ("Pod", "in-list", None),
    ]
    assert src.documents[0].source == "chart/templates/web.yaml"
    assert src.documents[1].source == "chart/templates/list.yaml"
    assert src.documents[1].pointer_prefix == "/items/0"
    # the sequence document and the kind-less one are skipped with warnings naming their line
    assert len(src.warnings) == 2
    assert any(
        f"s.yaml:{_line(STREAM, '- just') - 1}" in w and "not a mapping" in w for w in src.warnings
    )
    assert any("no kind" in w for w in src.warnings)


def test_line_of_exact_and_ancestor_fallback() -> None:
    src = load_text(STREAM, "s.yaml")
    dep, pod = src.documents
    path = "spec.template.spec.containers[0].securityContext.runAsUser"
    assert dep.line_of(path) == _line(STREAM, "runAsUser: 0")
    # missing field: nearest existing ancestor (the container's securityContext)
    missing = "spec.template.spec.containers[0].securityContext.capabilities.drop"
    assert dep.line_of(missing) == _line(STREAM, "securityContext:")
    list_start = _line(STREAM, "kind: List")
    assert pod.line_of("spec.containers[0].image") == _line(STREAM, "image: busybox", list_start)
    assert pod.line_of("spec.containers[0].securityContext") == _line(
        STREAM, "- name: c", list_start
    )
    assert dep.line_of("") == _line(STREAM, "apiVersion: apps/v1")


def test_plain_copy_is_json_types() -> None:
    text = "kind: Pod\nmetadata: {name: x, labels: {1: 2}}\nspec: {hostPID: yes, x: 0x10}\n"
    doc = load_text(text, "f").documents[0]
    assert doc.obj["metadata"]["labels"] == {"1": 2}
    assert type(doc.obj["spec"]["x"]) is int


def test_synthesised_document_uses_line_map() -> None:
    doc = Document(
        obj={},
        kind="Pod",
        name="x",
        namespace=None,
        file="f",
        doc_index=0,
        line_map={"": 3, "spec.containers[0]": 7},
    )
    assert doc.line_of("spec.containers[0].securityContext.privileged") == 7
    assert doc.line_of("spec.volumes[0]") == 3


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "kind: Pod\n" + "\n".join(lines) + "\n"


def test_billion_laughs_refused_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="alias bomb"):
        load_text(_bomb(10), "bomb.yaml")
    assert time.monotonic() - started < 5


def test_small_alias_use_is_fine() -> None:
    text = "kind: Pod\nx: &a {k: v}\ny: *a\n"
    assert load_text(text, "f").documents[0].obj["y"] == {"k": "v"}


@pytest.mark.parametrize(
    "text",
    [
        "kind: Pod\nx: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "kind: Pod\nx: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n",
        "kind: Pod\n" + "".join(" " * i + f"k{i}:\n" for i in range(2_000)),
    ],
    ids=["flow-seq", "flow-map", "block"],
)
def test_deep_nesting_refused(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="nest"):
        load_text(text, "deep.yaml")
    assert time.monotonic() - started < 5


def test_oversized_input_refused_without_reading_it_all() -> None:
    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buf: bytearray) -> int:  # type: ignore[override]
            n = len(buf)
            buf[:n] = b"#" * n
            self.served += n
            return n

    stream = Endless()
    with pytest.raises(InputError, match="larger than"):
        read_bounded(io.BufferedReader(stream), "<stdin>")
    assert stream.served <= load.MAX_BYTES + 1024 * 1024


def test_fifty_megabyte_document_refused() -> None:
    data = b"kind: Pod\nx: '" + b"a" * (50 * 1024 * 1024) + b"'\n"
    with pytest.raises(InputError, match="larger than"):
        load.decode(data, "big.yaml")


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"kind: Pod\n\xff\xfe", "not UTF-8"), (b"kind: Pod\x00", "NUL")],
)
def test_binary_input(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load.decode(data, "f")


def test_syntax_error_names_file_and_line() -> None:
    text = "kind: Pod\n---\nkind: Pod\nmetadata:\n  name: [unclosed\n"
    with pytest.raises(InputError, match=r"^f\.yaml:\d+: invalid YAML"):
        load_text(text, "f.yaml")


def test_duplicate_keys_are_an_input_error() -> None:
    with pytest.raises(InputError):
        load_text("kind: Pod\nkind: Pod\n", "f")


def test_wrong_types_in_metadata_do_not_crash() -> None:
    src = load_text("kind: Pod\nmetadata: [1, 2]\nspec: 5\n", "f")
    doc = src.documents[0]
    assert doc.name is None and doc.namespace is None
    assert load_text("kind: 7\n", "f").warnings


def test_many_small_bombs_hit_the_stream_budget() -> None:
    one = _bomb(5)  # 9**5 = 59,049 values: under the per-document cap
    stream = "---\n".join([one] * 40)
    started = time.monotonic()
    with pytest.raises(InputError, match="stream expands"):
        load_text(stream, "bombs.yaml")
    assert time.monotonic() - started < 30


def test_merge_keys_and_their_lines() -> None:
    text = "kind: Pod\nbase: &b\n  x: 1\n  y: 2\nm:\n  <<: *b\n  y: 3\nl:\n  <<: [*b, {z: 4}]\n"
    doc = load_text(text, "f").documents[0]
    assert doc.obj["m"] == {"x": 1, "y": 3}
    assert doc.obj["l"] == {"x": 1, "y": 2, "z": 4}
    assert doc.line_of("m.y") == 7  # own key wins
    assert doc.line_of("m.x") == 3  # merged key: its line in the anchor
    assert doc.line_of("l.z") == 9
