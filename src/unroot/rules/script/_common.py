"""Helpers shared by the script rules (evidence from file:line facts)."""

from __future__ import annotations

from unroot.findings import Evidence


def where(file: str, line: int, text: str = "", detail: str | None = None) -> Evidence:
    """Evidence for a fact found in a script (or in ENTRYPOINT/CMD when line is 0)."""
    return Evidence(
        file=file,
        line=line if line > 0 else None,
        value=text[:300] if text else None,
        detail=detail,
    )


def loc(file: str, line: int) -> str:
    return f"{file}:{line}" if line > 0 else file
