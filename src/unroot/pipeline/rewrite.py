"""Apply JSON Patches to the parsed YAML and re-emit it with comments and formatting kept.

Only the documents that changed are re-emitted (ruamel round-trip, with the indentation guessed
from the original); every other byte of the file stays as it was.
"""

from __future__ import annotations

import difflib
import io
import itertools
import re
from collections.abc import Mapping
from typing import Any

from unroot.errors import InputError
from unroot.policy import jsonpatch
from unroot.workload.load import Source


def rewrite(src: Source, patches: Mapping[int, list[dict[str, Any]]]) -> str:
    """New text of ``src`` with ``patches`` (chunk index -> ops on the chunk root) applied."""
    from unroot.workload.load import new_yaml

    parts: list[str] = []
    for ci, chunk in enumerate(src.chunks):
        ops = patches.get(ci)
        if not ops or not chunk.parsed:
            parts.append(chunk.text)
            continue
        yaml = new_yaml()
        node = yaml.load(chunk.text)  # round-trip tree: keeps comments and flow styles
        indent, block_seq_indent = guess_indent(chunk.text)
        try:
            jsonpatch.apply(node, ops)
        except jsonpatch.PatchError as exc:
            raise InputError(
                f"{src.file}:{chunk.start_line + 1}: cannot apply fix: {exc}"
            ) from None
        yaml.indent(mapping=indent, sequence=block_seq_indent + 2, offset=block_seq_indent)
        yaml.explicit_start = chunk.text.lstrip().startswith("---")
        out = io.StringIO()
        yaml.dump(node, out)
        text = out.getvalue()
        if yaml.explicit_start and not chunk.text.startswith("---"):
            # keep whatever (blank lines) preceded the marker
            head = chunk.text[: chunk.text.index("---")]
            text = head + text
        parts.append(text)
    return "".join(parts)


_KEY_ONLY = re.compile(r"^( *)[^\s#-][^:#]*:\s*(?:#.*)?$")
_INDENT = re.compile(r"^( *)(- )?\S")


def guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, dash offset) as written: the first nested mapping and the first
    block sequence under a key decide; defaults are 2 and 0 (kubectl's style)."""
    mapping: int | None = None
    offset: int | None = None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for here, below in itertools.pairwise(lines):
        key = _KEY_ONLY.match(here)
        child = _INDENT.match(below)
        if not key or not child:
            continue
        diff = len(child.group(1)) - len(key.group(1))
        if child.group(2):
            if offset is None and diff >= 0:
                offset = diff
        elif mapping is None and diff > 0:
            mapping = diff
        if mapping is not None and offset is not None:
            break
    return mapping or 2, offset or 0


def unified_diff(file: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{file.lstrip('/')}",
            tofile=f"b/{file.lstrip('/')}",
        )
    )
