"""Read Kubernetes YAML into documents that remember where every field came from.

Policy decisions must point at ``file:line``, so each document keeps a compact *line tree* (the
line of every key and item, nothing else) beside a plain JSON-like copy that the policy code
evaluates quickly. The parser's node tree is dropped after conversion: it costs about 35 bytes of
memory per input byte, the line tree about a third of that.
Composition uses libyaml through PyYAML's C loader when available (25x faster than ruamel's
round-trip loader on Kubernetes streams), else PyYAML's pure-Python composer; ``--fix`` re-reads
only the documents it changes with ruamel's round-trip loader, which keeps comments.

The stream is split into one chunk per YAML document *before* parsing, so one document's line
numbers are the chunk's offset plus the parser's, ``# Source:`` comments of Helm output are found in
their chunk, and ``--fix`` can re-emit only the documents it changed.

Hostile input is bounded: the caller caps the input size (:data:`MAX_BYTES`), the plain copy
counts nodes (aliases are expanded there, so a billion-laughs document stops at
:data:`MAX_NODES`), nesting deeper than :data:`MAX_DEPTH` is rejected, and every parse error
becomes an :class:`~unroot.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from unroot.errors import InputError
from unroot.files.write import Snapshot
from unroot.workload.podspec import join_path, split_path

MAX_BYTES = 16 * 1024 * 1024
"""Largest input accepted (per file or stdin); larger input is rejected with a clear error.
Parsed, a manifest takes about 20 bytes of memory per input byte, so this bounds memory too."""
MAX_DEPTH = 64
"""Deepest nesting accepted in one document (Kubernetes workloads stay well below 20)."""
MAX_NODES = 200_000
"""Most values one document may expand to, aliases included (a pod has a few hundred)."""

_DOC_START = re.compile(r"^---(?:[ \t]|$)")
_DOC_END = re.compile(r"^\.\.\.(?:[ \t]|$)")
_SOURCE = re.compile(r"^#\s*Source:\s*(\S.*?)\s*$", re.MULTILINE)


@dataclass(slots=True)
class Chunk:
    """The text of one YAML document in a stream, and the 0-based line where it starts."""

    start_line: int
    text: str
    parsed: bool = False
    """True when the chunk held a (non-empty) document."""


@dataclass(slots=True)
class Document:
    """One Kubernetes object (or a pseudo-Pod made from compose or a command line)."""

    obj: Any
    kind: str | None
    name: str | None
    namespace: str | None
    file: str
    doc_index: int
    lines: Any = None
    """Line tree of ``obj`` (see :data:`LineNode`; None for synthesised documents)."""
    line_offset: int = 0
    """Lines before the chunk this document was parsed from (0-based)."""
    line_map: dict[str, int] | None = None
    """For synthesised documents: field path -> 1-based line in ``file``."""
    source: str | None = None
    """Helm's ``# Source:`` template name, when present."""
    chunk_index: int | None = None
    """Index of the chunk (in :class:`Source.chunks`) holding this document, for ``--fix``."""
    pointer_prefix: str = ""
    """JSON pointer of ``obj`` inside the chunk's root (``/items/3`` for List items)."""

    def line_of(self, path: str) -> int | None:
        """1-based line of ``path``, or of its nearest ancestor that exists in the source."""
        try:
            tokens = split_path(path)
        except ValueError:
            tokens = []
        if self.line_map is not None:
            for end in range(len(tokens), -1, -1):
                line = self.line_map.get(join_path("", *tokens[:end]))
                if line is not None:
                    return line
            return None
        return _node_line(self.lines, tokens, self.line_offset)

    @property
    def ref(self) -> str:
        """``Kind/namespace/name`` label for reports."""
        parts = [self.kind or "?"]
        if self.namespace:
            parts.append(self.namespace)
        parts.append(self.name or f"#{self.doc_index}")
        return "/".join(parts)


@dataclass(slots=True)
class Source:
    """One input (file or stdin): its text, chunks, documents and loader warnings."""

    file: str
    text: str
    format: str = "kubernetes"
    """``kubernetes``, ``compose``, ``cmdline`` or ``objects`` (parsed elsewhere)."""
    chunks: list[Chunk] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    snapshot: Snapshot | None = None
    """What was read from a regular file, so that ``--write`` notices a concurrent edit."""


LineNode = int | tuple[int, Any]
"""The 0-based line of a value, and for a collection its children: a scalar is just its line;
a collection is ``(line, children)`` with children ``{key: LineNode}`` or ``[LineNode]``. A
mapping entry's line is its key's line; a sequence item's is the item's."""


def node_line(lines: LineNode) -> int:
    """The 0-based line of a line node."""
    return lines if isinstance(lines, int) else lines[0]


def child(lines: LineNode | None, key: str | int) -> LineNode | None:
    """The line node one step down, or None when absent."""
    if lines is None or isinstance(lines, int):
        return None
    kids = lines[1]
    if isinstance(key, int):
        if isinstance(kids, list) and 0 <= key < len(kids):
            found: LineNode = kids[key]
            return found
        return None
    if isinstance(kids, dict):
        return kids.get(key)
    return None


def _node_line(lines: LineNode | None, tokens: list[str | int], offset: int) -> int | None:
    if lines is None:
        return None
    line = node_line(lines)
    cur: LineNode | None = lines
    for tok in tokens:
        cur = child(cur, tok)
        if cur is None:
            break
        line = node_line(cur)
    return line + offset + 1


def split_chunks(text: str) -> list[Chunk]:
    """Split a YAML stream at ``---`` / ``...`` lines in column 0.

    A ``---`` line stays with the document it opens. A chunk that is only directives or comments
    (``%YAML 1.2`` before ``---``) is merged into the next one.
    """
    if _OTHER_BREAKS.search(text):
        return _split_lines(text)
    # Lines end only in "\n": find the marker lines with one regex pass and copy the text
    # between them whole, as the line-by-line loop would (it cost ~1 s per 10 MB).
    chunks: list[Chunk] = []
    start = number = pos = 0
    buf: list[str] = []
    for match in _MARKER.finditer(text):
        begin = match.start()
        if begin > pos:
            between = text[pos:begin]
            if not buf:
                start = number
            buf.append(between)
            number += between.count("\n")
        line = match.group()
        pos = match.end()
        if buf:
            joined = "".join(buf)
            if not _only_directives(joined):
                chunks.append(Chunk(start, joined))
                buf = []
        if not buf:
            start = number
        # an end marker is not content: keep a blank line so numbering stays right
        buf.append("\n" if line[0] == "." else line)
        number += 1
    if pos < len(text):
        if not buf:
            start = number
        buf.append(text[pos:])
    if buf:
        chunks.append(Chunk(start, "".join(buf)))
    return chunks


_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Line breaks of ``str.splitlines`` besides ``\\n``: text with any of them takes the
line-by-line split."""
_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\n]|\Z)[^\n]*\n?", re.MULTILINE)


def _split_lines(text: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    start = 0
    buf: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True)):
        is_end = bool(_DOC_END.match(line))
        if is_end or _DOC_START.match(line):
            if buf and not _only_directives("".join(buf)):
                chunks.append(Chunk(start, "".join(buf)))
                buf = []
            if not buf:
                start = number
            buf.append("\n" if is_end else line)
            continue
        if not buf:
            start = number
        buf.append(line)
    if buf:
        chunks.append(Chunk(start, "".join(buf)))
    return chunks


def _only_directives(text: str) -> bool:
    """True when every line is blank, a comment or a directive, and one is a directive."""
    directive = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith(("%", "#")):
            return False
        directive = directive or stripped.startswith("%")
    return directive


def new_yaml() -> Any:
    """A ruamel round-trip parser/emitter configured the way Kubernetes YAML is written."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting, counted in linear time before the parser sees the text.

    A flow collection nested thousands deep is refused before any parser recurses into it.
    Brackets inside strings are counted too; that only over-estimates, and real manifests never
    come near the limit.
    """
    if "[" not in text and "{" not in text:
        return 0
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        elif depth:
            depth -= 1
    return deepest


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_TRUE = frozenset({"true", "yes", "on", "y"})


def _scalar(tag: str, text: str, where: str) -> Any:
    if tag == _STR:
        return text
    if tag == _INT:
        return _int(text, where)
    if tag == _BOOL:
        return text.lower() in _TRUE
    if tag == _NULL:
        return None
    if tag == _FLOAT:
        t = text.replace("_", "").lower()
        if t in (".inf", "+.inf"):
            return float("inf")
        if t == "-.inf":
            return float("-inf")
        if t == ".nan":
            return float("nan")
        try:
            return float(t)
        except ValueError:
            return text
    return text  # timestamps, binary, custom tags: their text is what Kubernetes sees


def _int(text: str, where: str) -> int | str:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    try:
        if t.startswith("0x"):
            return sign * int(t[2:], 16)
        if t.startswith("0o"):
            return sign * int(t[2:], 8)
        if t.startswith("0b"):
            return sign * int(t[2:], 2)
        if ":" in t:  # YAML 1.1 sexagesimal
            value = 0
            for part in t.split(":"):
                value = value * 60 + int(part)
            return sign * value
        if len(t) > 1 and t.startswith("0"):
            return sign * int(t, 8)
        if len(t) > 4300:
            raise InputError(f"{where}: integer literal too long")
        return sign * int(t)
    except ValueError:
        return text


def stream_budget(text: str) -> list[int]:
    """Values a whole stream may expand to: aliases may not multiply the input much.

    Each document is also capped at :data:`MAX_NODES`, but many small bombs in one stream
    must not add up to gigabytes either; real manifests stay far below one value per 2 bytes.
    """
    return [1_000_000 + len(text) // 2]


@dataclass(slots=True)
class Parsed:
    """The one document of a chunk: its root kind and, when converted, its value and lines."""

    kind: str
    """``mapping``, ``sequence``, ``scalar`` or ``null`` (an empty document)."""
    obj: Any = None
    lines: LineNode = 0


def read_chunk(
    chunk: Chunk, file: str, *, stream: list[int], mappings_only: bool = False
) -> Parsed | None:
    """The document of one chunk as a plain JSON-like value and its line tree (None: no
    document, only comments or directives).

    ``mappings_only``: a document whose root is not a mapping is checked (syntax, anchors) but
    not converted. Syntax errors become one-line InputErrors with ``file:line``; so do the
    limits of :func:`_Reader.run` (depth, values, duplicate keys), unless the YAML is also
    invalid further on: then, as a composer would, the syntax error is reported.
    """
    import yaml

    where = f"{file}:{chunk.start_line + 1}"
    if _flow_depth(chunk.text) > MAX_DEPTH:
        raise InputError(f"{where}: YAML nested deeper than {MAX_DEPTH} levels; refusing")
    parser = _parser(chunk.text)
    try:
        reader = _Reader(parser.get_event, where, stream)
        try:
            return reader.run(mappings_only)
        except InputError:
            reader.drain()  # a syntax error later in the document is reported first
            raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = chunk.start_line + (mark.line + 1 if mark is not None else 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"{file}:{line}: invalid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: invalid YAML: {exc}") from None
    except (ValueError, TypeError, AttributeError) as exc:  # parser internals on odd input
        raise InputError(f"{where}: invalid YAML: {exc}") from None


def _parser(text: str) -> Any:
    """libyaml's event parser (PyYAML's C binding), else PyYAML's pure-Python one."""
    import yaml

    if getattr(yaml, "__with_libyaml__", False):
        from yaml._yaml import CParser

        return CParser(text)
    return yaml.SafeLoader(text)


_RESOLVED: dict[str, str] = {}
"""Plain scalar -> its YAML 1.1 tag, as PyYAML's resolver decides (a pure function of the
text); short scalars repeat a lot in manifests, so their answer is kept."""


def _resolve_plain(text: str) -> str:
    tag = _RESOLVED.get(text)
    if tag is None:
        tag = _resolver().resolve(_scalar_node(), text, (True, False))
        if len(text) <= 64:
            if len(_RESOLVED) >= 65_536:
                _RESOLVED.clear()
            _RESOLVED[text] = tag
    return tag


def _resolver() -> Any:
    global _RESOLVER
    if _RESOLVER is None:
        from yaml.resolver import Resolver

        _RESOLVER = Resolver()
    return _RESOLVER


def _events() -> Any:
    import yaml.events

    return yaml.events


def _scalar_node() -> Any:
    from yaml.nodes import ScalarNode

    return ScalarNode


_RESOLVER: Any = None

_NO_KEY: Any = object()
_MERGE_KEY: Any = object()


class _Frame:
    """An open collection while its events arrive."""

    __slots__ = ("anchor", "before", "key", "key_line", "kids", "line", "merged", "tag", "value")

    def __init__(
        self, value: Any, kids: Any, line: int, anchor: str | None, before: int, tag: str | None
    ) -> None:
        self.value = value
        self.kids = kids
        self.line = line
        self.anchor = anchor
        self.before = before
        self.tag = tag
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.merged: list[tuple[str, Any, LineNode]] | None = None


class _Reader:
    """Builds one document's plain value and line tree straight from parser events.

    Building PyYAML's node graph and then walking it cost twice as much. What this keeps of a
    composer's rules: an anchor is defined once per document, an alias names an anchor defined
    before it, and one chunk holds one document. What the loader adds: every value counts
    against :data:`MAX_NODES` per document and against the stream's budget (keys that are
    plain scalars do not), and an alias counts as many values as its anchor holds (so the
    billion-laughs attack stops in time proportional to its text, as the copy shares the
    anchor's value); nesting deeper than :data:`MAX_DEPTH` is refused (an alias inside its own
    anchor nests without end); merge keys (``<<``) are applied after a mapping's own keys;
    duplicate keys are an error, as in Kubernetes' strict decoding.
    """

    def __init__(self, get_event: Any, where: str, stream: list[int]) -> None:
        self.get_event = get_event
        self.where = where
        self.stream = stream
        # anchor -> (value, lines, values it stands for (None: a scalar), tag, its line)
        self.anchors: dict[str, tuple[Any, LineNode, int | None, str | None, int]] = {}
        self.anchor_marks: dict[str, Any] = {}
        self.document_mark: Any = None
        self.done = False

    def over_budget(self, used: int) -> InputError:
        self.stream[0] -= used
        what = "document" if used > MAX_NODES else "stream"
        return InputError(
            f"{self.where}: {what} expands to too many values (YAML alias bomb?); refusing"
        )

    def too_deep(self) -> InputError:
        return InputError(f"{self.where}: YAML nested deeper than {MAX_DEPTH} levels; refusing")

    def anchor(self, name: str, mark: Any) -> None:
        first = self.anchor_marks.get(name)
        if first is not None:
            from yaml.composer import ComposerError

            raise ComposerError(
                "found duplicate anchor; first occurrence", first, "second occurrence", mark
            )
        self.anchor_marks[name] = mark

    def run(self, mappings_only: bool) -> Parsed | None:
        """One pass over the document's events (a single loop: this is the hot path of
        ``unroot check`` on large streams)."""
        ev = _events()
        get = self.get_event
        get()  # the stream's start
        event = get()
        if event.__class__ is not ev.DocumentStartEvent:
            self.done = True
            return None  # no document: only comments or directives
        self.document_mark = event.start_mark
        scalar_event, alias_event = ev.ScalarEvent, ev.AliasEvent
        map_start, seq_start = ev.MappingStartEvent, ev.SequenceStartEvent
        map_end, seq_end, doc_end = ev.MappingEndEvent, ev.SequenceEndEvent, ev.DocumentEndEvent
        stack: list[_Frame] = []
        anchors = self.anchors
        where = self.where
        resolved = _RESOLVED
        used = 0
        limit = min(MAX_NODES, self.stream[0])
        parent: _Frame | None = None
        root: Parsed | None = None
        line = 0
        value: Any
        lines: LineNode
        tag: str | None
        size: int | None = None
        while True:
            event = get()
            cls = event.__class__
            if cls is scalar_event:
                # a plain key is not a value of its own: only values count and nest
                if parent is None or parent.key is not _NO_KEY or parent.kids.__class__ is list:
                    used += 1
                    if used > limit:
                        raise self.over_budget(used)
                    if len(stack) > MAX_DEPTH:
                        raise self.too_deep()
                text = event.value
                tag = event.tag
                if tag is None or tag == "!":
                    implicit = event.implicit[0]
                    tag = (resolved.get(text) or _resolve_plain(text)) if implicit else _STR
                value = text if tag == _STR else _scalar(tag, text, where)
                lines = line = event.start_mark.line
                if event.anchor is not None:
                    self.anchor(event.anchor, event.start_mark)
                    anchors[event.anchor] = (value, lines, None, tag, line)
                size = None
            elif cls is map_start or cls is seq_start:
                used += 1
                if used > limit:
                    raise self.over_budget(used)
                if len(stack) > MAX_DEPTH:
                    raise self.too_deep()
                if event.anchor is not None:
                    self.anchor(event.anchor, event.start_mark)
                if cls is map_start:
                    frame = _Frame({}, {}, event.start_mark.line, event.anchor, used, event.tag)
                else:
                    if parent is None and mappings_only:
                        self.drain()
                        return Parsed("sequence")
                    frame = _Frame([], [], event.start_mark.line, event.anchor, used, event.tag)
                stack.append(frame)
                parent = frame
                continue
            elif cls is map_end or cls is seq_end:
                frame = stack.pop()
                parent = stack[-1] if stack else None
                if frame.merged:
                    out, keyed = frame.value, frame.kids
                    for k, v, klines in frame.merged:
                        if k not in out:
                            out[k] = v
                            keyed[k] = klines
                value = frame.value
                lines = (frame.line, frame.kids)
                line = frame.line
                tag = frame.tag
                size = used - frame.before + 1
                if frame.anchor is not None:
                    anchors[frame.anchor] = (value, lines, size, tag, line)
            elif cls is alias_event:
                found = anchors.get(event.anchor)
                if found is None:
                    if event.anchor in self.anchor_marks:
                        raise self.too_deep()  # inside its own anchor: endless nesting
                    from yaml.composer import ComposerError

                    raise ComposerError(None, None, "found undefined alias", event.start_mark)
                value, lines, size, tag, line = found
                is_key = (
                    parent is not None and parent.key is _NO_KEY and parent.kids.__class__ is dict
                )
                if size is not None:
                    used += size
                    if used > limit:
                        raise self.over_budget(used)
                elif not is_key:
                    used += 1
                    if used > limit:
                        raise self.over_budget(used)
                    if len(stack) > MAX_DEPTH:
                        raise self.too_deep()
            elif cls is doc_end:
                self.stream[0] -= used
                self.end_of_document()
                return root
            else:  # pragma: no cover - libyaml sends nothing else inside a document
                raise InputError(f"{where}: invalid YAML: unexpected {cls.__name__}")

            if parent is None:
                if size is None:
                    kind = "null" if tag == _NULL else "scalar"
                else:
                    kind = "mapping" if value.__class__ is dict else "sequence"
                if mappings_only and kind != "mapping":
                    self.drain()
                    return Parsed(kind)
                root = Parsed(kind, value, lines)
                continue
            if parent.kids.__class__ is list:
                parent.value.append(value)
                parent.kids.append(lines)
            elif parent.key is _NO_KEY:
                if tag == _MERGE:
                    parent.key = _MERGE_KEY
                    continue
                key = _key(value)
                if key in parent.value:
                    raise InputError(
                        f"{where}: duplicate key {key!r} (line {line + 1} of the document)"
                    )
                parent.key = key
                parent.key_line = line
            else:
                key = parent.key
                parent.key = _NO_KEY
                if key is _MERGE_KEY:
                    self.merge(parent, value, lines)
                    continue
                parent.value[key] = value
                parent.kids[key] = (
                    parent.key_line if lines.__class__ is int else (parent.key_line, lines[1])  # type: ignore[index]
                )

    @staticmethod
    def merge(frame: _Frame, value: Any, lines: LineNode) -> None:
        """Collect the entries of ``<<: {...}`` / ``<<: [{...}, ...]`` for the end of the
        mapping (its own keys win, then the first source that has a key)."""
        if isinstance(value, list):
            assert not isinstance(lines, int)
            sources = list(zip(value, lines[1], strict=True))
        else:
            sources = [(value, lines)]
        merged = frame.merged if frame.merged is not None else []
        for m, mlines in sources:
            if isinstance(m, dict):
                assert not isinstance(mlines, int)
                for k, v in m.items():
                    merged.append((k, v, mlines[1][k]))
        frame.merged = merged

    def end_of_document(self) -> None:
        """After the document: the stream must end (one document per chunk)."""
        from yaml.events import DocumentStartEvent

        event = self.get_event()
        self.done = True
        if event.__class__ is DocumentStartEvent:
            from yaml.composer import ComposerError

            second: Any = event.start_mark  # libyaml's Mark, which the stubs do not name here
            raise ComposerError(
                "expected a single document in the stream",
                self.document_mark,
                "but found another document",
                second,
            )

    def drain(self) -> None:
        """Read the rest of the document for its syntax and anchors only."""
        from yaml.events import AliasEvent, DocumentEndEvent, StreamEndEvent

        if self.done:
            return
        get = self.get_event
        while True:
            event = get()
            cls = event.__class__
            if cls is DocumentEndEvent:
                self.end_of_document()
                return
            if cls is StreamEndEvent:  # pragma: no cover - a document always ends first
                return
            if cls is AliasEvent:
                if event.anchor not in self.anchor_marks:
                    from yaml.composer import ComposerError

                    raise ComposerError(None, None, "found undefined alias", event.start_mark)
                continue
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                self.anchor(anchor, event.start_mark)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return str(key)
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def load_text(text: str, file: str, stream: list[int] | None = None) -> Source:
    """Parse a Kubernetes YAML stream (multi-document, ``kind: List``, Helm output).

    Non-mapping documents and documents without a string ``kind`` are skipped with a warning;
    empty documents are skipped silently.
    """
    src = Source(file=file, text=text, chunks=split_chunks(text))
    budget = stream if stream is not None else stream_budget(text)
    for ci, chunk in enumerate(src.chunks):
        parsed = read_chunk(chunk, file, stream=budget, mappings_only=True)
        if parsed is None or parsed.kind == "null":
            continue  # an empty document ("---" alone, or only comments)
        chunk.parsed = True
        doc_index = ci
        where = f"{file}:{chunk.start_line + 1}"
        if parsed.kind != "mapping":
            what = "a list" if parsed.kind == "sequence" else "a scalar"
            src.warnings.append(f"{where}: skipping document {doc_index}: not a mapping ({what})")
            continue
        helm = _SOURCE.search(chunk.text)
        source = helm.group(1) if helm else None
        obj, lines = parsed.obj, parsed.lines
        kind = obj.get("kind")
        if not isinstance(kind, str) or not kind:
            src.warnings.append(f"{where}: skipping document {doc_index}: no kind")
            continue
        if kind.endswith("List") and isinstance(obj.get("items"), list):
            for ii, item in enumerate(obj["items"]):
                item_lines = child(child(lines, "items"), ii)
                doc = _make_doc(item, item_lines, file, doc_index, chunk, ci, source)
                if doc is None:
                    src.warnings.append(
                        f"{file}:{_node_line(item_lines, [], chunk.start_line)}: skipping "
                        f"{kind} item {ii}: not a mapping with a kind"
                    )
                    continue
                doc.pointer_prefix = f"/items/{ii}"
                src.documents.append(doc)
            continue
        made = _make_doc(obj, lines, file, doc_index, chunk, ci, source)
        assert made is not None
        src.documents.append(made)
    return src


def plain_documents(text: str, file: str) -> list[Any]:
    """Every non-empty document of a YAML or JSON stream as a plain value, whatever it holds.

    For input that is not a stream of Kubernetes objects (an admission request bundle): the same
    parser and the same bounds as :func:`load_text` (nesting depth, values per document and per
    stream), without the ``kind`` requirement and without keeping line trees.
    """
    budget = stream_budget(text)
    out: list[Any] = []
    for chunk in split_chunks(text):
        parsed = read_chunk(chunk, file, stream=budget)
        if parsed is None or parsed.kind == "null":
            continue
        out.append(parsed.obj)
    return out


def _make_doc(
    obj: Any, lines: Any, file: str, doc_index: int, chunk: Chunk, ci: int, source: str | None
) -> Document | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
        return None
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return Document(
        obj=obj,
        kind=obj["kind"],
        name=_str_or_none(meta.get("name")),
        namespace=_str_or_none(meta.get("namespace")),
        file=file,
        doc_index=doc_index,
        lines=lines,
        line_offset=chunk.start_line,
        source=source,
        chunk_index=ci,
    )


def decode(data: bytes, file: str) -> str:
    """Bytes -> text with a size cap and a clear error for non-UTF-8 input."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{file}: input is larger than {MAX_BYTES // (1024 * 1024)} MiB; "
            "split it into smaller files"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise InputError(f"{file}: binary data (NUL byte), not YAML")
    return text


def read_bounded(stream: Any, file: str) -> bytes:
    """Read at most :data:`MAX_BYTES` + 1 bytes so an endless stream cannot exhaust memory."""
    data: bytes = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{file}: input is larger than {MAX_BYTES // (1024 * 1024)} MiB; "
            "split it into smaller files"
        )
    return data


def source_of_objects(objects: Sequence[Mapping[str, Any]], file: str) -> Source:
    """A Source for objects that are already parsed (an AdmissionReview's object, API data).

    They have no text, so evidence carries ``file`` but no line; ``kind: List`` objects stand
    for their items, as in a file. Objects without a string ``kind`` are skipped with a warning.
    """
    src = Source(file=file, text="", format="objects")
    for index, obj in enumerate(objects):
        items = obj.get("items") if str(obj.get("kind", "")).endswith("List") else None
        for item in items if isinstance(items, list) else [obj]:
            doc = _make_doc(item, None, file, index, Chunk(0, ""), index, None)
            if doc is None:
                src.warnings.append(f"{file}: skipping object {index}: not a mapping with a kind")
                continue
            doc.chunk_index = None
            src.documents.append(doc)
    return src
