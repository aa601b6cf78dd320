"""The event-reading loader against a reference reading (PyYAML's composer plus a graph walk,
``_yaml_oracle.py``): the same documents, values, line trees, warnings and errors.

Inputs are generated: documents dumped by PyYAML in block and flow styles (shared values become
anchors and aliases), and hand-built flow documents with tags, anchors on scalars and
collections, aliases as keys and values, merge keys, complex keys, duplicate keys, scalars that
YAML 1.1 reads as booleans, numbers, nulls or timestamps, several documents per stream, Helm
``# Source:`` comments, and the same texts cut short (syntax errors).
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unroot.errors import InputError
from unroot.workload.load import load_text

from . import _yaml_oracle as yaml_oracle

SCALARS = [
    "yes", "No", "on", "OFF", "y", "n", "~", "null", "", "0x1F", "0o17", "017", "1_000", "1:30",
    "-1:30", "3.5", ".inf", "-.Inf", ".NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "=",
    "12e3", "+1", "true", "0b101", "1e400", "a b", "web", "nginx:1.25", "RuntimeDefault", "0",
    "Pod", "List", "v1",
]  # fmt: skip
TAGS = ["!!str", "!!int", "!", "!custom", "!!null", "!!bool", "!!float", "!!map", "!!seq"]


def _outcome(text: str, load: Any) -> tuple[str, Any]:
    try:
        return "ok", load(text)
    except InputError as exc:
        return "error", str(exc)


def _ours(text: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    src = load_text(text, "f.yaml")
    docs = [
        (d.obj, d.lines, d.line_offset, d.chunk_index, d.pointer_prefix, d.source)
        for d in src.documents
    ]
    return docs, src.warnings


def _same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and dict order significant."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def check(text: str, recursive: bool = False) -> None:
    want = _outcome(text, lambda t: yaml_oracle.load(t, "f.yaml"))
    got = _outcome(text, _ours)
    if recursive and want[0] == "error":
        # an alias inside its own anchor: the walk recurses until a limit stops it (depth or
        # values, whichever first); the loader refuses the endless nesting at once
        assert got[0] == "error", got
        return
    assert want[0] == got[0], (want, got)
    if want[0] == "error":
        assert want[1] == got[1]
    else:
        assert _same(want[1], got[1]), (want, got)


# -- documents dumped by PyYAML -----------------------------------------------------------
_plain = st.one_of(
    st.sampled_from(SCALARS),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
)
_values = st.recursive(
    _plain,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=6), st.sampled_from(SCALARS)), kids, max_size=4),
    ),
    max_leaves=25,
)


@st.composite
def dumped(draw: st.DrawFn) -> str:
    shared = draw(_values)
    docs = []
    for i in range(draw(st.integers(1, 3))):
        doc: dict[Any, Any] = {"kind": draw(st.sampled_from(["Pod", "List", "Deployment", ""]))}
        doc["metadata"] = {"name": f"d{i}"}
        for j in range(draw(st.integers(0, 4))):
            doc[f"k{j}"] = shared if draw(st.booleans()) else draw(_values)
        if doc["kind"] == "List":
            doc["items"] = [{"kind": "Pod", "spec": shared}, shared, {"no": "kind"}]
        docs.append(doc)
    style = draw(st.sampled_from([None, True, False]))
    text: str = yaml.dump_all(docs, default_flow_style=style, explicit_start=draw(st.booleans()))
    if draw(st.booleans()):
        text = "# Source: chart/templates/x.yaml\n" + text
    return text


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=dumped(), cut=st.floats(0, 1))
def test_dumped_documents_read_alike(text: str, cut: float) -> None:
    check(text)
    check(text[: int(len(text) * cut)])  # cut short: a syntax error, or fewer documents


# -- hand-built flow documents --------------------------------------------------------------
@st.composite
def flow_node(draw: st.DrawFn, depth: int, anchors: list[str], state: dict[str, bool]) -> str:
    kinds = ["scalar"] * 3 + (["alias"] * 2 if anchors else []) + (["map", "seq"] * (depth < 4))
    kind = draw(st.sampled_from(kinds))
    tag = f"{draw(st.sampled_from(TAGS))} " if draw(st.integers(0, 9)) == 0 else ""
    anchor = ""
    name = f"a{len(anchors)}"
    if draw(st.integers(0, 4)) == 0:
        anchor = f"&{name} "
    if kind == "scalar":
        value = draw(st.sampled_from(SCALARS))
        if draw(st.integers(0, 5)) == 0:
            value = f"'{value}'"
        elif value in ("", "=") or " " in value:
            value = f'"{value}"'
        if anchor:
            anchors.append(name)
        return f"{anchor}{tag}{value}"
    if kind == "alias":
        if draw(st.integers(0, 40)) == 0:
            return "*nowhere"
        closed = [a for a in anchors if a not in state.get("open", "").split()]
        rare = draw(st.integers(0, 9)) == 0
        target = draw(st.sampled_from(anchors if rare or not closed else closed))
        state["recursive"] = state["recursive"] or target in state.get("open", "").split()
        return f"*{target} "
    if anchor:
        anchors.append(name)
        state["open"] = state.get("open", "") + f" {name}"
    if kind == "seq":
        items = [draw(flow_node(depth + 1, anchors, state)) for _ in range(draw(st.integers(0, 3)))]
        out = f"{anchor}{tag}[{', '.join(items)}]"
    else:
        pairs = []
        for _ in range(draw(st.integers(0, 4))):
            choice = draw(st.integers(0, 9))
            if choice == 0:
                key = "<<"
            elif choice == 1:
                key = draw(flow_node(depth + 1, anchors, state))  # any node as a key
            else:
                key = draw(st.sampled_from(["a", "b", "kind", "1", "yes", "~", "<<"]))
            pairs.append(f"{key} : {draw(flow_node(depth + 1, anchors, state))}")
        out = f"{anchor}{tag}{{{', '.join(pairs)}}}"
    if anchor:
        state["open"] = state["open"].replace(f" {name}", "")
    return out


@st.composite
def flow_stream(draw: st.DrawFn) -> tuple[str, bool]:
    docs = []
    recursive = False
    for _ in range(draw(st.integers(1, 3))):
        anchors: list[str] = []
        state = {"recursive": False}
        lines = [f"kind: {draw(st.sampled_from(['Pod', 'List', '7', '']))}"]
        for j in range(draw(st.integers(1, 4))):
            lines.append(f"k{j}: {draw(flow_node(0, anchors, state))}")
        if draw(st.booleans()):
            lines.append(f"items: [{draw(flow_node(1, anchors, state))}, {{kind: Pod}}]")
        recursive = recursive or state["recursive"]
        docs.append("\n".join(lines) + "\n")
    sep = draw(st.sampled_from(["---\n", "...\n---\n", "--- # c\n"]))
    return sep.join(docs), recursive


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=flow_stream(), cut=st.floats(0, 1))
def test_flow_documents_read_alike(case: tuple[str, bool], cut: float) -> None:
    text, recursive = case
    check(text, recursive)
    check(text[: int(len(text) * cut)], recursive)


def test_stream_budget_and_bombs_read_alike() -> None:
    bomb = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 6):
        bomb.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    one = "kind: Pod\n" + "\n".join(bomb) + "\n"
    for copies in (1, 3, 17, 40):
        check("---\n".join([one] * copies))
    check("kind: Pod\n" + "\n".join(bomb) + "\nb: *a5\nc: *a5\nd: *a5\n")


def test_error_precedence_reads_alike() -> None:
    # a duplicate key early and a syntax error later: the syntax error is reported
    check("kind: Pod\na: 1\na: 2\nb: [1, 2\n")
    check("kind: Pod\na: 1\na: 2\nb: *undefined\n")
    check("kind: Pod\na: &x 1\nb: &x 2\n")
    check("kind: Pod\n---\nkind: Pod\na: 1\na: 2\n")
    check("kind: Pod\nx: " + "[" * 70 + "]" * 70 + "\n")
    check("kind: Pod\n" + "".join(" " * i + f"k{i}:\n" for i in range(80)))
