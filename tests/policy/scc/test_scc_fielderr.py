"""Reasons in OpenShift's words: Kubernetes field-error layout and Go value printing."""

from __future__ import annotations

import pytest

from unroot.policy.scc.fielderr import (
    aggregate,
    forbidden,
    go_capabilities,
    go_int64s,
    go_quote,
    go_value,
    invalid,
    required,
)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("s0:c1,c0", '"s0:c1,c0"'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("tab\there\n", '"tab\\there\\n"'),
        ("\x01", '"\\x01"'),
        ("héllo", '"héllo"'),  # printable runes stay as they are
        ("\u200b", '"\\u200b"'),  # a zero-width space is not printable
    ],
)
def test_go_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


def test_go_values() -> None:
    assert go_value(None) == '"null"'  # a nil pointer, as this Kubernetes release prints it
    assert go_value(True) == "true" and go_value(0) == "0"
    assert go_int64s([999]) == "[]int64{999}"
    assert go_int64s([1, 2]) == "[]int64{1, 2}"
    assert go_int64s([]) == "[]int64{}" and go_int64s(None) == "[]int64(nil)"
    assert go_capabilities(["ALL"]) == '[]core.Capability{"ALL"}'
    assert go_capabilities(None) == "[]core.Capability(nil)"


def test_error_layout() -> None:
    path = "provider scc-sa: .containers[0].runAsUser"
    assert (
        str(invalid(path, "5", "must be: 6", "", "scc-sa"))
        == f"{path}: Invalid value: 5: must be: 6"
    )
    assert str(required(path, "", "", None)) == f"{path}: Required value"
    assert str(forbidden('provider "x"', "not usable", "", "x")) == (
        'provider "x": Forbidden: not usable'
    )


def test_aggregate_drops_duplicates() -> None:
    assert aggregate(["a"]) == "a"
    assert aggregate(["a", "b", "a"]) == "[a, b]"
