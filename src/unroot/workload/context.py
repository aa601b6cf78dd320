"""What workload rules read about one document: its pod as written and as admitted, the
scanned images of its containers, and evidence that points at a field's file and line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from unroot.findings import Evidence, Target
from unroot.workload.load import Document
from unroot.workload.podspec import split_path

_MISSING = object()


def value_at(obj: Any, path: str) -> str | None:
    """The scalar at ``path`` in ``obj`` as text (``true``/``false`` for booleans), or None
    when it is absent or not a scalar."""
    cur = obj
    for tok in split_path(path):
        if isinstance(tok, int):
            cur = cur[tok] if isinstance(cur, list) and 0 <= tok < len(cur) else _MISSING
        else:
            cur = cur[tok] if isinstance(cur, dict) and tok in cur else _MISSING
        if cur is _MISSING:
            return None
    if isinstance(cur, dict | list):
        return None
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return None if cur is None else str(cur)


def field_evidence(doc: Document, path: str) -> Evidence:
    """Evidence for the field at ``path`` of ``doc``: its file, line and value."""
    return Evidence(
        file=doc.file, line=doc.line_of(path), field=path, value=value_at(doc.obj, path)
    )


@dataclass(frozen=True, slots=True)
class PodContext:
    """The input of ``workload`` rules, for one document that holds a pod."""

    document: Document
    spec: Mapping[str, Any]
    """The pod spec as written."""
    spec_prefix: str
    """Field path of the pod spec in the document (``spec``, ``spec.template.spec``)."""
    admitted_spec: Mapping[str, Any]
    """The pod spec as the chosen profile admits it (``spec`` when nothing changes)."""
    images: Mapping[str, Target] = field(default_factory=dict)
    """Scan results of the containers' images by reference (empty unless images were
    scanned)."""

    def evidence(self, path: str) -> Evidence:
        return field_evidence(self.document, path)
