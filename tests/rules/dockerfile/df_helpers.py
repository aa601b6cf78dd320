"""Types and helpers for the Dockerfile rule tests (imported by name: unique module)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from unroot.findings import Finding

Scan = Callable[..., list[Finding]]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` in the dedented text."""
    source = textwrap.dedent(text).lstrip("\n")
    for number, line in enumerate(source.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")
