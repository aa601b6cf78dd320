from __future__ import annotations

import pytest

from unroot.dockerfile.expand import expand, word

VARS = {"A": "a", "EMPTY": ""}


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("$A", "a"),
        ("${A}", "a"),
        ("x${A}y", "xay"),
        ("${B:-d}", "d"),
        ("${EMPTY:-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${A:+alt}", "alt"),
        ("${B:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("\\$A", "$A"),
        ("'$A'", "'$A'"),
        ("${B:-${A}}", "a"),
        ("$B", ""),
        ("a$", "a$"),
    ],
)
def test_expand(text: str, out: str) -> None:
    assert expand(text, VARS).text == out


def test_unknown_reported_and_kept_when_asked() -> None:
    assert expand("$B", VARS).unknown == ("B",)
    assert expand("${B}/x", VARS, keep_unknown=True).text == "${B}/x"


def test_word_removes_quotes() -> None:
    assert word('"$A":0', VARS).text == "a:0"


def test_backtick_escape() -> None:
    assert expand("`$A", VARS, escape="`").text == "$A"


def test_deep_nesting_is_bounded() -> None:
    text = "${X:-" * 50 + "v" + "}" * 50
    assert isinstance(expand(text, {}).text, str)
