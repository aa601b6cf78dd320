"""RFC 6902 JSON Patch: build a patch by diffing two JSON-like values, and apply one.

Mutating policy works on a copy and then diffs it against the original, so ``add`` versus
``replace`` and the creation of missing parents (``securityContext``) are right by construction
rather than by each strategy remembering what was there. The applier is small and strict; it is
used for ``--fix`` and to re-validate mutated objects. (Tests cross-check both directions with the
independent ``jsonpatch`` package from PyPI.)
"""

from __future__ import annotations

from typing import Any

import orjson

from unroot.untrusted import is_decimal

Op = dict[str, Any]


class PatchError(ValueError):
    """The patch does not fit the document (missing parent, bad index, failed test)."""


def escape(token: str | int) -> str:
    """One JSON-pointer reference token (RFC 6901): ``~`` -> ``~0``, ``/`` -> ``~1``."""
    text = str(token)
    if "~" not in text and "/" not in text:
        return text
    return text.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer(tokens: list[str | int] | tuple[str | int, ...]) -> str:
    """Tokens -> JSON pointer: ``["metadata", "annotations", "a/b"]`` ->
    ``/metadata/annotations/a~1b``."""
    return "".join("/" + escape(t) for t in tokens)


def split_pointer(ptr: str) -> list[str]:
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise PatchError(f"JSON pointer must start with '/': {ptr!r}")
    return [unescape(t) for t in ptr[1:].split("/")]


def diff(old: Any, new: Any, prefix: str = "") -> list[Op]:
    """Operations turning ``old`` into ``new``.

    Mappings recurse key by key (missing key -> ``add`` of the whole subtree, so parents are
    created in one operation); lists of the same length recurse element-wise, a list that only
    grew gets ``add`` at the new indexes, anything else is one ``replace``.
    """
    ops: list[Op] = []
    _diff(old, new, prefix, ops)
    return ops


def _diff(old: Any, new: Any, path: str, ops: list[Op]) -> None:
    if old is new or _same(old, new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key not in new:
                ops.append({"op": "remove", "path": f"{path}/{escape(key)}"})
        for key, value in new.items():
            sub = f"{path}/{escape(key)}"
            if key in old:
                _diff(old[key], value, sub, ops)
            else:
                ops.append({"op": "add", "path": sub, "value": value})
        return
    if isinstance(old, list) and isinstance(new, list):
        if len(old) == len(new):
            for i, (a, b) in enumerate(zip(old, new, strict=True)):
                _diff(a, b, f"{path}/{i}", ops)
            return
        if len(new) > len(old) and new[: len(old)] == old:
            for i in range(len(old), len(new)):
                ops.append({"op": "add", "path": f"{path}/{i}", "value": new[i]})
            return
        ops.append({"op": "replace", "path": path, "value": new})
        return
    if type(old) is not type(new) or old != new:
        ops.append({"op": "replace", "path": path, "value": new})


def _same(old: Any, new: Any) -> bool:
    """Deep equality that, unlike ``==``, tells ``1`` from ``True`` and ``1`` from ``1.0``.

    ``==`` (in C) rejects most differing subtrees at once; a byte comparison of their JSON then
    confirms equal-looking containers, so unchanged parts of a pod are skipped without a walk.
    """
    if type(old) is not type(new) or old != new:
        return False
    if not isinstance(old, dict | list):
        return True
    try:
        return bool(orjson.dumps(old) == orjson.dumps(new))
    except (TypeError, orjson.JSONEncodeError):
        return False  # let the walk decide


def apply(doc: Any, ops: list[Op]) -> Any:
    """Apply ``ops`` to ``doc`` in place (the root itself may be replaced) and return it.

    Supports add, remove, replace and test; values are inserted as given (copy them first if
    they are shared).
    """
    for op in ops:
        kind = op.get("op")
        tokens = split_pointer(str(op.get("path", "")))
        if kind == "test":
            if _get(doc, tokens) != op.get("value"):
                raise PatchError(f"test failed at {op.get('path')!r}")
            continue
        if not tokens:
            if kind in ("add", "replace"):
                doc = op["value"]
                continue
            raise PatchError(f"cannot {kind} the document root")
        parent = _get(doc, tokens[:-1])
        last = tokens[-1]
        if isinstance(parent, dict):
            if kind == "add":
                parent[last] = op["value"]
            elif kind in ("replace", "remove"):
                if last not in parent:
                    raise PatchError(f"{kind}: no member {op['path']!r}")
                if kind == "replace":
                    parent[last] = op["value"]
                else:
                    del parent[last]
            else:
                raise PatchError(f"unsupported op {kind!r}")
        elif isinstance(parent, list):
            size = len(parent)
            if kind == "add":
                index = size if last == "-" else _index(last, size + 1, op)
                parent.insert(index, op["value"])
            elif kind in ("replace", "remove"):
                index = _index(last, size, op)
                if kind == "replace":
                    parent[index] = op["value"]
                else:
                    del parent[index]
            else:
                raise PatchError(f"unsupported op {kind!r}")
        else:
            raise PatchError(f"parent of {op['path']!r} is not a container")
    return doc


def _index(token: str, bound: int, op: Op) -> int:
    if not is_decimal(token) or (len(token) > 1 and token.startswith("0")):
        raise PatchError(f"bad array index in {op['path']!r}")
    index = int(token)
    if index >= bound:
        raise PatchError(f"array index out of range in {op['path']!r}")
    return index


def _get(doc: Any, tokens: list[str]) -> Any:
    cur = doc
    for tok in tokens:
        if isinstance(cur, dict):
            if tok not in cur:
                raise PatchError(f"path not found: /{'/'.join(tokens)}")
            cur = cur[tok]
        elif isinstance(cur, list):
            if not is_decimal(tok) or int(tok) >= len(cur):
                raise PatchError(f"path not found: /{'/'.join(tokens)}")
            cur = cur[int(tok)]
        else:
            raise PatchError(f"path not found: /{'/'.join(tokens)}")
    return cur
