"""JSON Patch diff/apply, cross-checked against the independent `jsonpatch` package."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch as pypi_jsonpatch  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.policy import jsonpatch

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["a", "b"]))
keys = st.sampled_from(["a", "b", "x/y", "m~n", "~1", "securityContext"])
json_values = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def test_escaping() -> None:
    assert jsonpatch.escape("a/b~c") == "a~1b~0c"
    assert jsonpatch.unescape("a~1b~0c") == "a/b~c"
    assert jsonpatch.unescape("~01") == "~1"  # not "/"
    assert jsonpatch.pointer(["metadata", "annotations", "unroot.dev/profile"]) == (
        "/metadata/annotations/unroot.dev~1profile"
    )


def test_missing_parent_is_one_add_of_the_subtree() -> None:
    old: dict[str, Any] = {"spec": {"containers": [{"name": "c"}]}}
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["securityContext"] = {"runAsUser": 5}
    assert jsonpatch.diff(old, new) == [
        {"op": "add", "path": "/spec/containers/0/securityContext", "value": {"runAsUser": 5}}
    ]


def test_existing_value_is_replaced_and_grown_list_appended() -> None:
    old = {"a": 1, "l": ["x"]}
    new = {"a": 2, "l": ["x", "y"]}
    assert jsonpatch.diff(old, new) == [
        {"op": "replace", "path": "/a", "value": 2},
        {"op": "add", "path": "/l/1", "value": "y"},
    ]


def test_bool_and_int_are_different() -> None:
    assert jsonpatch.diff({"a": 1}, {"a": True}) == [{"op": "replace", "path": "/a", "value": True}]


@settings(max_examples=300, deadline=None)
@given(json_values, json_values)
def test_diff_then_apply_round_trips_and_agrees_with_pypi(old: Any, new: Any) -> None:
    ops = jsonpatch.diff(old, new)
    ours = jsonpatch.apply(copy.deepcopy(old), copy.deepcopy(ops))
    assert ours == new
    theirs = pypi_jsonpatch.JsonPatch(copy.deepcopy(ops)).apply(copy.deepcopy(old))
    assert theirs == new


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/nope", "value": 1}],
        [{"op": "add", "path": "/a/b/c", "value": 1}],
        [{"op": "add", "path": "/l/5", "value": 1}],
        [{"op": "add", "path": "/l/01", "value": 1}],
        [{"op": "test", "path": "/a", "value": 2}],
        [{"op": "move", "path": "/a", "from": "/l"}],
        [{"op": "add", "path": "a", "value": 1}],
    ],
)
def test_apply_rejects_bad_patches(ops: list[dict[str, Any]]) -> None:
    with pytest.raises(jsonpatch.PatchError):
        jsonpatch.apply({"a": 1, "l": [0]}, ops)


def test_apply_list_append_marker_and_remove() -> None:
    doc = {"l": [1], "k": {"x": 1}}
    jsonpatch.apply(
        doc, [{"op": "add", "path": "/l/-", "value": 2}, {"op": "remove", "path": "/k/x"}]
    )
    assert doc == {"l": [1, 2], "k": {}}
