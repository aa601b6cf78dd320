"""Variable expansion in Dockerfile words, the way BuildKit's shell lexer does it.

The builder (not a shell) expands ``$X``, ``${X}``, ``${X:-word}``, ``${X-word}``,
``${X:+word}``, ``${X+word}`` in FROM, USER, EXPOSE, COPY/ADD, ENV, WORKDIR... with the ARG and
ENV values in scope at that instruction. An escaped dollar (``\\$X``) stays literal. Unknown
variables expand to "" like BuildKit does; ``keep_unknown`` keeps them literally instead, which
is what RUN words need (the shell may know them from the base image's environment).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from unroot.untrusted import check_word

_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
MAX_DEPTH = 8
"""Nested ``${A:-${B:-...}}`` levels followed before giving up (hostile input guard)."""


@dataclass(frozen=True, slots=True)
class Expanded:
    text: str
    unknown: tuple[str, ...] = ()
    """Names referenced but not defined (expanded to "" unless kept)."""


def expand(
    word: str,
    variables: Mapping[str, str],
    *,
    escape: str = "\\",
    keep_unknown: bool = False,
) -> Expanded:
    """Expand ``word``; quotes are left in place (callers decide what quotes mean)."""
    unknown: list[str] = []
    text = _expand(word, variables, escape, keep_unknown, unknown, 0)
    return Expanded(text, tuple(dict.fromkeys(unknown)))


def _expand(
    word: str,
    variables: Mapping[str, str],
    escape: str,
    keep: bool,
    unknown: list[str],
    depth: int,
) -> str:
    out: list[str] = []
    i, n = 0, len(word)
    grown = 0  # characters substituted so far: the result stays under untrusted.MAX_WORD
    in_single = False
    while i < n:
        ch = word[i]
        if ch == "'" and escape == "\\":
            in_single = not in_single
            out.append(ch)
            i += 1
            continue
        if in_single:
            out.append(ch)
            i += 1
            continue
        if ch == escape and i + 1 < n:
            if word[i + 1] == "$":
                out.append("$")
            else:
                out.append(word[i : i + 2])
            i += 2
            continue
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = word[i + 1]
        if nxt == "{":
            end = _matching_brace(word, i + 2)
            if end < 0:
                out.append(word[i:])
                break
            value = _brace(
                word[i + 2 : end], word[i : end + 1], variables, escape, keep, unknown, depth
            )
            grown += len(value)
            check_word(grown + n)
            out.append(value)
            i = end + 1
            continue
        if nxt in _NAME_START:
            j = i + 1
            while j < n and word[j] in _NAME_CHARS:
                j += 1
            name = word[i + 1 : j]
            if name in variables:
                grown += len(variables[name])
                check_word(grown + n)
                out.append(variables[name])
            else:
                unknown.append(name)
                if keep:
                    out.append(word[i:j])
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _matching_brace(word: str, start: int) -> int:
    depth = 1
    for j in range(start, len(word)):
        if word[j] == "{":
            depth += 1
        elif word[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _brace(
    body: str,
    whole: str,
    variables: Mapping[str, str],
    escape: str,
    keep: bool,
    unknown: list[str],
    depth: int,
) -> str:
    j = 0
    while j < len(body) and body[j] in _NAME_CHARS:
        j += 1
    name, rest = body[:j], body[j:]
    if not name:
        return whole
    is_set = name in variables
    value = variables.get(name, "")
    for op in (":-", ":+", ":?", "-", "+", "?"):
        if rest.startswith(op):
            arg = rest[len(op) :]
            if depth >= MAX_DEPTH:
                return whole
            colon = op.startswith(":")
            present = is_set and (bool(value) or not colon)
            if op.endswith("-"):
                if present:
                    return value
                return _expand(arg, variables, escape, keep, unknown, depth + 1)
            if op.endswith("+"):
                return _expand(arg, variables, escape, keep, unknown, depth + 1) if present else ""
            return value
    if rest:
        # ${X#pattern} and friends: not worth emulating; keep the value when known.
        return value if is_set else (whole if keep else "")
    if not is_set:
        unknown.append(name)
        return whole if keep else ""
    return value


def unquote(word: str, *, escape: str = "\\") -> str:
    """Quote removal as BuildKit applies it to builder words (``"app"`` -> ``app``)."""
    if '"' not in word and "'" not in word:
        return word
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(word):
        ch = word[i]
        if quote != "'" and ch == escape and i + 1 < len(word):
            out.append(word[i + 1])
            i += 2
            continue
        if ch in "\"'" and (not quote or quote == ch):
            quote = "" if quote else ch
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def word(text: str, variables: Mapping[str, str], *, escape: str = "\\") -> Expanded:
    """Expansion then quote removal: what the builder uses for USER, EXPOSE, FROM, flags."""
    expanded = expand(text, variables, escape=escape)
    return Expanded(unquote(expanded.text, escape=escape), expanded.unknown)
