"""``unroot check --format verdict``: one word (allow/deny) and the reasons, for scripts and CI.

This is the contract of the Pod Security conformance runner: the object (YAML or JSON) on
stdin, ``--level`` and ``--version``, and a first output token of ``allow`` or ``deny``. The
runner starts a process per fixture, so this path keeps its imports small (no click, rich,
ruamel or SCC profiles). Input is read by the same bounded loader as every workload
(:mod:`unroot.workload.load`: size, depth and alias-expansion limits).
"""

from __future__ import annotations

import json
from typing import Any, Final

from unroot.errors import UnrootError
from unroot.workload.load import decode, load_text

EXIT_ALLOW: Final = 0
EXIT_DENY: Final = 1
EXIT_ERROR: Final = 2


def verdict_for_stream(data: bytes, level: str, version: str) -> tuple[str, int]:
    """The text to print and the exit code for the objects in ``data``.

    Exit code 0 (text ``allow``), 1 (text ``deny <reasons>``) or 2 (text ``error: ...``, to be
    printed on stderr with nothing on stdout). Several documents are allowed only if every
    Pod or workload among them is; objects of other kinds are skipped.
    """
    from unroot.policy.psa import evaluate, parse_level, parse_version
    from unroot.workload.podspec import pod_spec_of

    try:
        parse_level(level)
        parse_version(version)
        source = load_text(decode(data, "<stdin>"), "<stdin>")
        decisions = [
            (doc.obj, evaluate(doc.obj, level, version))
            for doc in source.documents
            if pod_spec_of(doc.obj) is not None
        ]
    except UnrootError as exc:
        return f"error: {_one_line(str(exc))}", EXIT_ERROR
    except RecursionError:
        return "error: input nested too deeply", EXIT_ERROR
    if not decisions:
        return "error: no Pod or workload (Deployment, CronJob, ...) in the input", EXIT_ERROR
    denied = [(obj, d) for obj, d in decisions if not d.allowed]
    if not denied:
        return "allow", EXIT_ALLOW
    if len(decisions) == 1:
        return f"deny {denied[0][1].message()}", EXIT_DENY
    parts = [f"{_label(obj)}: {d.message()}" for obj, d in denied]
    return "deny " + " | ".join(parts), EXIT_DENY


def _label(obj: Any) -> str:
    kind = obj.get("kind", "?") if isinstance(obj, dict) else "?"
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return f"{kind} {json.dumps(name)}" if isinstance(name, str) else str(kind)


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unknown error"
