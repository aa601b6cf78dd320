"""``unroot check --format verdict``: one word (allow/deny) and the reasons, for scripts and CI.

This is the contract of the Pod Security conformance runner: the object (YAML or JSON) on
stdin, ``--level`` and ``--version``, and a first output token of ``allow`` or ``deny``. The
runner starts a process per fixture, so this module keeps its imports small (no click, rich or
ruamel; PyYAML's C loader only when the input is not JSON).

Hostile input is bounded: at most 16 MiB, 100 levels of nesting and one million nodes reached
through aliases (a "billion laughs" document is refused before it is built; plain content is
already bounded by the input size).
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any, Final

from unroot.errors import InputError, UnrootError

MAX_INPUT_BYTES: Final = 16 * 1024 * 1024
MAX_DEPTH: Final = 100
MAX_ALIAS_NODES: Final = 1_000_000
MAX_DOCUMENTS: Final = 100_000

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

    try:
        parse_level(level)
        parse_version(version)
        objects = [obj for doc in load_documents(data) for obj in _expand_lists(doc)]
        from unroot.workload.podspec import pod_spec_of

        decisions = []
        for obj in objects:
            if pod_spec_of(obj) is None:
                continue
            decisions.append((obj, evaluate(obj, level, version)))
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


def run(argv: list[str], stdin: IO[bytes], stdout: IO[str], stderr: IO[str]) -> int:
    """A minimal ``--level L --version V`` command around :func:`verdict_for_stream`."""
    level, version = "restricted", "latest"
    args = list(argv)
    while args:
        flag = args.pop(0)
        if flag in ("--level", "--version") and args:
            value = args.pop(0)
            if flag == "--level":
                level = value
            else:
                version = value
        elif flag == "-":
            continue
        else:
            print(f"error: unexpected argument {flag!r}", file=stderr)
            return EXIT_ERROR
    data = stdin.read(MAX_INPUT_BYTES + 1)
    text, code = verdict_for_stream(data, level, version)
    print(text, file=stderr if code == EXIT_ERROR else stdout)
    return code


def load_documents(data: bytes) -> list[Any]:
    """Every document in a YAML or JSON stream, within the size, depth and node bounds."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"input larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            return [json.loads(data)]
        except RecursionError as exc:
            raise InputError("input nested too deeply") from exc
        except ValueError:
            pass  # not JSON after all: YAML flow style, read it as YAML below
    return _load_yaml(data)


def _load_yaml(data: bytes) -> list[Any]:
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _check_yaml_bounds(data, loader)
        docs = list(yaml.load_all(data, Loader=loader))
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {_one_line(str(exc))}") from exc
    except RecursionError as exc:
        raise InputError("input nested too deeply") from exc
    return [doc for doc in docs if doc is not None]


def _check_yaml_bounds(data: bytes, loader: Any) -> None:
    """Walk the event stream once: refuse deep nesting and alias expansion bombs early."""
    import yaml

    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    document_start = yaml.DocumentStartEvent
    sizes: dict[str, int] = {}  # anchor -> nodes it expands to
    stack: list[tuple[str | None, int]] = []
    nodes = 0  # nodes as if every alias were expanded
    via_aliases = 0  # of which reached through aliases
    documents = 0
    event: Any
    for event in yaml.parse(data, Loader=loader):
        cls = type(event)
        if cls is scalar:
            nodes += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif cls in starts:
            nodes += 1
            stack.append((event.anchor, nodes))
            if len(stack) > MAX_DEPTH:
                raise InputError(f"input nested deeper than {MAX_DEPTH} levels")
        elif cls in ends:
            anchor, start = stack.pop()
            if anchor:
                sizes[anchor] = nodes - start + 1
        elif cls is alias:
            size = sizes.get(event.anchor, 1)
            nodes += size
            via_aliases += size
            if via_aliases > MAX_ALIAS_NODES:
                raise InputError(
                    f"aliases expand to more than {MAX_ALIAS_NODES} nodes (alias bomb?)"
                )
        elif cls is document_start:
            documents += 1
            if documents > MAX_DOCUMENTS:
                raise InputError(f"more than {MAX_DOCUMENTS} documents")


def _expand_lists(doc: Any) -> list[Any]:
    """A ``kind: List`` (what ``kubectl get -o yaml`` prints) stands for its items."""
    if isinstance(doc, dict):
        kind = doc.get("kind")
        items = doc.get("items")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            return items
    return [doc]


def _label(obj: Any) -> str:
    kind = obj.get("kind", "?") if isinstance(obj, dict) else "?"
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return f"{kind} {json.dumps(name)}" if isinstance(name, str) else str(kind)


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unknown error"


def main() -> int:  # pragma: no cover - thin process wrapper
    """Entry point used by the temporary conformance command."""
    return run(sys.argv[1:], sys.stdin.buffer, sys.stdout, sys.stderr)
