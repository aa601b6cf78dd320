"""The JSON report: a stable, documented shape (docs/report-json.md, docs/report.schema.json)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

import orjson

from unroot import __version__
from unroot.findings import Target

FORMAT_VERSION = 1
"""Bumped only on incompatible changes; adding optional keys keeps the version."""


def report_dict(targets: Sequence[Target]) -> dict[str, Any]:
    return {
        "tool": {"name": "unroot", "version": __version__},
        "format_version": FORMAT_VERSION,
        "targets": [t.to_dict() for t in targets],
    }


def render_json(targets: Sequence[Target], stream: TextIO) -> None:
    data = orjson.dumps(report_dict(targets), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    stream.write(data.decode("utf-8"))
    stream.write("\n")
