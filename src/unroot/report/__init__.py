"""Renderers: targets with findings in, text / JSON / SARIF out. No analysis happens here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from unroot.findings import Target

FORMATS = ("text", "json", "sarif")


def render(
    targets: Sequence[Target], fmt: str, stream: TextIO, *, color: bool | None = None
) -> None:
    """Write ``targets`` to ``stream`` in ``fmt`` (text, json or sarif).

    ``color`` only affects text; None means "if the stream is a terminal". Names from images
    and manifests are rendered with ``\\xNN`` escapes for control characters and bytes that
    are not UTF-8 (:func:`unroot.untrusted.clean`), in every format: a file name cannot move
    the cursor, clear the screen or forge a verdict line, and a Latin-1 name stays JSON.
    """
    from unroot.untrusted import clean

    targets = clean(list(targets))
    if fmt == "text":
        from unroot.report.text import render_text

        render_text(targets, stream, color=color)
    elif fmt == "json":
        from unroot.report.json import render_json

        render_json(targets, stream)
    elif fmt == "sarif":
        from unroot.report.sarif import render_sarif

        render_sarif(targets, stream)
    else:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
