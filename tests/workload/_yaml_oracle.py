"""A reference reading of Kubernetes YAML for differential tests of ``unroot.workload.load``.

It takes the long way: PyYAML's own composer builds the whole node graph of a document, and a
recursive walk converts that graph to plain values and ``(line, children)`` trees, applying
the same limits (values per document and stream, aliases counted by what they stand for,
depth, duplicate keys, merge keys). The loader reads parser events in one pass instead; both
must agree on every document, line and error.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from unroot.errors import InputError
from unroot.workload.load import MAX_DEPTH, MAX_NODES, _flow_depth, _key, _scalar, split_chunks

_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_SOURCE = re.compile(r"^#\s*Source:\s*(\S.*?)\s*$", re.MULTILINE)


def compose(text: str, start_line: int, file: str) -> Any:
    if _flow_depth(text) > MAX_DEPTH:
        raise InputError(
            f"{file}:{start_line + 1}: YAML nested deeper than {MAX_DEPTH} levels; refusing"
        )
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = start_line + (mark.line + 1 if mark is not None else 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"{file}:{line}: invalid YAML: {what}") from None


def walk(node: Any, where: str, stream: list[int]) -> tuple[Any, Any]:
    """``(value, (line, children))`` of a node graph, with the loader's limits."""
    budget = [MAX_NODES]
    seen: dict[int, tuple[Any, Any, int]] = {}

    def charge(size: int) -> None:
        budget[0] -= size
        stream[0] -= size
        if budget[0] < 0 or stream[0] < 0:
            what = "document" if budget[0] < 0 else "stream"
            raise InputError(
                f"{where}: {what} expands to too many values (YAML alias bomb?); refusing"
            )

    def conv(n: Any, depth: int) -> tuple[Any, Any]:
        found = seen.get(id(n))
        if found is not None:
            charge(found[2])
            return found[0], found[1]
        before = budget[0]
        value, lines = convert(n, depth)
        if not isinstance(n, yaml.ScalarNode):
            seen[id(n)] = (value, lines, before - budget[0])
        return value, lines

    def convert(n: Any, depth: int) -> tuple[Any, Any]:
        charge(1)
        if depth > MAX_DEPTH:
            raise InputError(f"{where}: YAML nested deeper than {MAX_DEPTH} levels; refusing")
        line = n.start_mark.line
        if isinstance(n, yaml.ScalarNode):
            return _scalar(n.tag, n.value, where), (line, None)
        if isinstance(n, yaml.SequenceNode):
            pairs = [conv(v, depth + 1) for v in n.value]
            return [p[0] for p in pairs], (line, [p[1] for p in pairs])
        out: dict[str, Any] = {}
        keyed: dict[str, Any] = {}
        merged: list[tuple[str, Any, Any]] = []
        for knode, vnode in n.value:
            if knode.tag == _MERGE:
                value, lines = conv(vnode, depth + 1)
                sources = (
                    zip(value, lines[1], strict=True)
                    if isinstance(value, list)
                    else [(value, lines)]
                )
                for m, mlines in sources:
                    if isinstance(m, dict):
                        merged.extend((k, v, mlines[1][k]) for k, v in m.items())
                continue
            key = _key(
                _scalar(knode.tag, knode.value, where)
                if isinstance(knode, yaml.ScalarNode)
                else conv(knode, depth + 1)[0]
            )
            if key in out:
                raise InputError(
                    f"{where}: duplicate key {key!r} (line {knode.start_mark.line + 1} of the "
                    "document)"
                )
            value, lines = conv(vnode, depth + 1)
            out[key] = value
            keyed[key] = (knode.start_mark.line, lines[1])
        for k, v, klines in merged:
            if k not in out:
                out[k] = v
                keyed[k] = klines
        return out, (line, keyed)

    return conv(node, 0)


def compact(lines: Any) -> Any:
    """The loader's line tree: a scalar's node is its line alone."""
    line, kids = lines
    if kids is None:
        return line
    if isinstance(kids, list):
        return (line, [compact(k) for k in kids])
    return (line, {k: compact(v) for k, v in kids.items()})


def load(text: str, file: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Documents as ``(obj, lines, line_offset, chunk, pointer, source)`` and warnings."""
    docs: list[tuple[Any, ...]] = []
    warnings: list[str] = []
    stream = [1_000_000 + len(text) // 2]
    for ci, chunk in enumerate(split_chunks(text)):
        node = compose(chunk.text, chunk.start_line, file)
        if node is not None and node.tag == _NULL and isinstance(node, yaml.ScalarNode):
            node = None
        if node is None:
            continue
        where = f"{file}:{chunk.start_line + 1}"
        if not isinstance(node, yaml.MappingNode):
            what = "a list" if isinstance(node, yaml.SequenceNode) else "a scalar"
            warnings.append(f"{where}: skipping document {ci}: not a mapping ({what})")
            continue
        helm = _SOURCE.search(chunk.text)
        source = helm.group(1) if helm else None
        obj, lines = walk(node, where, stream)
        lines = compact(lines)
        kind = obj.get("kind")
        if not isinstance(kind, str) or not kind:
            warnings.append(f"{where}: skipping document {ci}: no kind")
            continue
        if kind.endswith("List") and isinstance(obj.get("items"), list):
            for ii, item in enumerate(obj["items"]):
                item_lines = lines[1]["items"]
                item_lines = item_lines[1][ii] if not isinstance(item_lines, int) else None
                if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
                    first = item_lines if isinstance(item_lines, int) else item_lines[0]
                    warnings.append(
                        f"{file}:{first + chunk.start_line + 1}: skipping {kind} item {ii}: "
                        "not a mapping with a kind"
                    )
                    continue
                docs.append((item, item_lines, chunk.start_line, ci, f"/items/{ii}", source))
            continue
        docs.append((obj, lines, chunk.start_line, ci, "", source))
    return docs, warnings
