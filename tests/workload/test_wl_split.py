"""Splitting a stream into documents: the marker-line scan against the line-by-line loop."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.workload.load import _split_lines, split_chunks

_LINES = [
    "---", "--- ", "--- # c", "---x", "----", "...", "... ", "....", "...x", " ---", "%YAML 1.2",
    "%TAG ! tag:x,2000:", "# comment", "", "  ", "kind: Pod", "a: |", "  --- in a block",
    "b: '...'", "\t", "--- {a: 1}",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    lines=st.lists(st.sampled_from(_LINES), max_size=14),
    last_newline=st.booleans(),
)
def test_marker_scan_splits_as_line_loop(lines: list[str], last_newline: bool) -> None:
    # texts whose lines end only in "\n" take a regex scan for the marker lines; it must cut
    # exactly where the line-by-line loop does, with the same text and start line per chunk
    text = "\n".join(lines) + ("\n" if last_newline and lines else "")
    fast = [(c.start_line, c.text) for c in split_chunks(text)]
    slow = [(c.start_line, c.text) for c in _split_lines(text)]
    assert fast == slow
