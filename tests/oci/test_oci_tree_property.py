"""Property test: merging random layers equals a direct model of the OCI whiteout rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.oci.tarstream import DIR, REG, TarEntry
from unroot.oci.tree import TreeBuilder

NAMES = ["a", "b", "c"]
PATHS = ["/".join(p) for n in (1, 2, 3) for p in __import__("itertools").product(NAMES, repeat=n)]

op = st.tuples(st.sampled_from(["file", "dir", "whiteout", "opaque"]), st.sampled_from(PATHS))


def ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def normalise_layer(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What a real layer tar looks like: parents first, each path once, nothing below a file."""
    out: list[tuple[str, str]] = []
    kinds: dict[str, str] = {}
    for kind, path in ops:
        if kind in ("whiteout", "opaque"):
            if any(kinds.get(a) == "file" for a in ancestors(path)) or path in kinds:
                continue
            if kind == "opaque" and kinds.get(path, "dir") != "dir":
                continue
            out.append((kind, path))
            continue
        if path in kinds or any(kinds.get(a) == "file" for a in ancestors(path)):
            continue
        if kind == "file" and any(p.startswith(path + "/") for p in kinds):
            continue
        for a in ancestors(path):
            if a not in kinds:
                kinds[a] = "dir"
                out.append(("dir", a))
        kinds[path] = kind
        out.append((kind, path))
    return out


def to_entries(ops: list[tuple[str, str]]) -> list[TarEntry]:
    entries = []
    for kind, path in ops:
        if kind == "whiteout":
            parent, _, base = path.rpartition("/")
            name = f"{parent}/.wh.{base}" if parent else f".wh.{base}"
            entries.append(TarEntry(name, REG, 0o644, 0, 0, 0, "", None, 0, 0))
        elif kind == "opaque":
            entries.append(TarEntry(f"{path}/.wh..wh..opq", REG, 0o644, 0, 0, 0, "", None, 0, 0))
        else:
            typ = DIR if kind == "dir" else REG
            entries.append(TarEntry(path, typ, 0o755, 0, 0, 0, "", None, 0, 0))
    return entries


def model(layers: list[list[tuple[str, str]]]) -> dict[str, tuple[str, int]]:
    state: dict[str, tuple[str, int]] = {}
    for idx, ops in enumerate(layers):
        wh = {p for k, p in ops if k == "whiteout"}
        opq = {p for k, p in ops if k == "opaque"}
        for path in list(state):
            hidden = any(path == w or path.startswith(w + "/") for w in wh)
            hidden = hidden or any(path.startswith(d + "/") for d in opq)
            if hidden:
                del state[path]
        for kind, path in ops:
            if kind not in ("file", "dir"):
                continue
            old = state.get(path)
            if old is not None and old[0] == "dir" and kind != "dir":
                for p in [p for p in state if p.startswith(path + "/") and state[p][1] < idx]:
                    del state[p]
            state[path] = (kind, idx)
    return state


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(op, max_size=12), min_size=1, max_size=5))
def test_merge_matches_model(raw_layers: list[list[tuple[str, str]]]) -> None:
    layers = [normalise_layer(ops) for ops in raw_layers]
    builder = TreeBuilder()
    for idx, ops in enumerate(layers):
        builder.apply(to_entries(ops), f"layer{idx}", idx)
    got = {e.path: ("dir" if e.is_dir else "file", e.layer_index) for e in builder.tree()}
    assert got == model(layers)
