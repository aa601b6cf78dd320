"""Property test: merging random layers equals a direct model of what podman extracts
(the rules ``test_oci_tar_podman.py`` checks against podman itself)."""

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
    """What a real layer tar looks like: parents first, each name once (a whiteout may be
    followed by the path it hides), nothing below a file or a whiteout of the layer."""
    out: list[tuple[str, str]] = []
    kinds: dict[str, str] = {}

    def parents(path: str, include_self: bool = False) -> None:
        for a in [*ancestors(path), *([path] if include_self else [])]:
            if a not in kinds:
                kinds[a] = "dir"
                out.append(("dir", a))

    for kind, path in ops:
        if any(kinds.get(a) in ("file", "whiteout") for a in ancestors(path)):
            continue
        if kind == "whiteout":
            if path in kinds:
                continue  # whiting out what the layer added: the extractor fails
            parents(path)
            kinds[path] = "whiteout"
        elif kind == "opaque":
            if kinds.get(path, "dir") != "dir" or path + "/" in kinds:
                continue  # on a non-directory, or a second marker (a duplicate name)
            parents(path, include_self=True)
            kinds[path + "/"] = "marker"
        else:
            if path in kinds and kinds[path] != "whiteout":
                continue
            parents(path)
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
    """What podman shows: a layer's entries win; lower paths it whites out (and did not
    re-create), and lower paths below its whiteouts, opaque directories or files put over
    a lower directory, disappear. A re-created directory shows the lower contents again."""
    state: dict[str, tuple[str, int]] = {}
    for idx, ops in enumerate(layers):
        wh: set[str] = set()
        opq: set[str] = set()
        hid: set[str] = set()
        added: dict[str, str] = {}
        for kind, path in ops:
            if kind == "whiteout":
                wh.add(path)
            elif kind == "opaque":
                opq.add(path)
            else:
                wh.discard(path)
                old = state.get(path)
                if kind == "file" and old is not None and old[0] == "dir":
                    hid.add(path)
                added[path] = kind
        marks = wh | opq | hid
        for path in list(state):
            if path in wh or any(a in marks for a in ancestors(path)):
                del state[path]
        for path, kind in added.items():
            state[path] = (kind, idx)
    return state


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(op, max_size=12), min_size=1, max_size=5))
def test_merge_matches_model(raw_layers: list[list[tuple[str, str]]]) -> None:
    layers = [normalise_layer(ops) for ops in raw_layers]
    builder = TreeBuilder()
    for idx, ops in enumerate(layers):
        builder.apply(to_entries(ops), f"layer{idx}", idx)
    got = {e.path: ("dir" if e.is_dir else "file", e.layer_index) for e in builder.tree() if e.path}
    assert got == model(layers)
