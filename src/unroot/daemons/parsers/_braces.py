"""A tokenizer for brace-structured configs (nginx, bind9): statements with their block path."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Statement:
    words: tuple[str, ...]
    line: int
    blocks: tuple[str, ...]
    """Names of the enclosing blocks, outermost first (``("http", "server")``)."""
    opens_block: bool = False


def tokens(text: str, *, slash_comments: bool = False) -> Iterator[tuple[str, int, bool]]:
    """(token, line, quoted). ``;``, ``{`` and ``}`` are their own tokens."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#" or (slash_comments and text.startswith("//", i)):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif slash_comments and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            end = n if j < 0 else j + 2
            line += text.count("\n", i, end)
            i = end
        elif c in ";{}":
            yield c, line, False
            i += 1
        elif c in "'\"":
            j = i + 1
            buf = []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            start = line
            line += text.count("\n", i, j)
            yield "".join(buf), start, True
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in " \t\r\n;{}":
                j += 1
            yield text[i:j], line, False
            i = j


def statements(text: str, *, slash_comments: bool = False) -> Iterator[Statement]:
    stack: list[str] = []
    words: list[str] = []
    first_line = 0
    for tok, line, quoted in tokens(text, slash_comments=slash_comments):
        if not quoted and tok == ";":
            if words:
                yield Statement(tuple(words), first_line, tuple(stack))
            words = []
        elif not quoted and tok == "{":
            yield Statement(tuple(words), first_line or line, tuple(stack), opens_block=True)
            stack.append(words[0] if words else "")
            words = []
        elif not quoted and tok == "}":
            if words:
                yield Statement(tuple(words), first_line, tuple(stack))
            words = []
            if stack:
                stack.pop()
        else:
            if not words:
                first_line = line
            words.append(tok)
    if words:
        yield Statement(tuple(words), first_line, tuple(stack))
