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


def _tag(node: Any) -> str:
    tag = node.tag
    return tag if isinstance(tag, str) else str(getattr(tag, "value", tag))


def _is_map(node: Any) -> bool:
    return bool(node.__class__.__name__ == "MappingNode")


def _is_seq(node: Any) -> bool:
    return bool(node.__class__.__name__ == "SequenceNode")


LineNode = tuple[int, Any]
"""``(0-based line, children)``: children is None (scalar), ``{key: LineNode}`` or
``[LineNode]``. A mapping entry's line is its key's line; a sequence item's is the item's."""


def child(lines: LineNode | None, key: str | int) -> LineNode | None:
    """The line node one step down, or None when absent."""
    if lines is None:
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
    line: int = lines[0]
    cur: LineNode | None = lines
    for tok in tokens:
        cur = child(cur, tok)
        if cur is None:
            break
        line = cur[0]
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


def _composer() -> tuple[Any, type[Exception], type[Exception]]:
    """(compose(text) -> node, marked error class, base error class): PyYAML's C composer."""
    import yaml as pyyaml

    loader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)

    def compose(text: str) -> Any:
        return pyyaml.compose(text, Loader=loader)

    return compose, pyyaml.MarkedYAMLError, pyyaml.YAMLError


def parse_chunk(chunk: Chunk, file: str) -> Any:
    """Compose one chunk; syntax errors become one-line InputErrors with ``file:line``."""
    compose, marked, base = _composer()
    if _flow_depth(chunk.text) > MAX_DEPTH:
        raise InputError(
            f"{file}:{chunk.start_line + 1}: YAML nested deeper than {MAX_DEPTH} levels; refusing"
        )
    try:
        return compose(chunk.text)
    except RecursionError:
        raise InputError(
            f"{file}:{chunk.start_line + 1}: YAML nested too deeply (limit {MAX_DEPTH})"
        ) from None
    except marked as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = chunk.start_line + (mark.line + 1 if mark is not None else 1)
        what = getattr(exc, "problem", None) or getattr(exc, "context", None) or "invalid YAML"
        raise InputError(f"{file}:{line}: invalid YAML: {what}") from None
    except base as exc:
        raise InputError(f"{file}:{chunk.start_line + 1}: invalid YAML: {exc}") from None
    except (ValueError, TypeError, AttributeError) as exc:  # parser internals on odd input
        raise InputError(f"{file}:{chunk.start_line + 1}: invalid YAML: {exc}") from None


_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting, counted in linear time before ruamel sees the text.

    ruamel's scanner is quadratic in flow nesting, so ``[[[[...`` must be refused up front.
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


def _scalar(node: Any, where: str) -> Any:
    tag, text = _tag(node), node.value
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


def to_plain_with_lines(
    node: Any, *, where: str = "input", stream: list[int] | None = None
) -> tuple[Any, LineNode]:
    """A JSON-like copy (dict/list/str/int/float/bool/None) and its line tree.

    Depth and size are limited: every value an alias stands for counts, as if it were copied, so
    the budget bounds the billion-laughs attack (per document and, through ``stream``, per
    stream). A collection reached again through an alias is not walked again: the copy shares
    it and only its size is charged, so a bomb is refused in time proportional to its text.
    Merge keys (``<<``) are applied; duplicate keys are an error, as in Kubernetes' strict
    decoding.
    """
    budget = [MAX_NODES]
    total = stream if stream is not None else [MAX_NODES]
    seen: dict[int, tuple[Any, LineNode, int]] = {}

    def charge(size: int) -> None:
        budget[0] -= size
        total[0] -= size
        if budget[0] < 0 or total[0] < 0:
            what = "document" if budget[0] < 0 else "stream"
            raise InputError(
                f"{where}: {what} expands to too many values (YAML alias bomb?); refusing"
            )

    def conv(n: Any, depth: int) -> tuple[Any, LineNode]:
        found = seen.get(id(n))
        if found is not None:
            charge(found[2])
            return found[0], found[1]
        before = budget[0]
        value, lines = convert(n, depth)
        if n.__class__.__name__ != "ScalarNode":
            seen[id(n)] = (value, lines, before - budget[0])
        return value, lines

    def convert(n: Any, depth: int) -> tuple[Any, LineNode]:
        charge(1)
        if depth > MAX_DEPTH:
            raise InputError(f"{where}: YAML nested deeper than {MAX_DEPTH} levels; refusing")
        line = n.start_mark.line
        name = n.__class__.__name__
        if name == "ScalarNode":
            return _scalar(n, where), (line, None)
        if name == "SequenceNode":
            values: list[Any] = []
            kids: list[LineNode] = []
            for v in n.value:
                value, lines = conv(v, depth + 1)
                values.append(value)
                kids.append(lines)
            return values, (line, kids)
        out: dict[str, Any] = {}
        keyed: dict[str, LineNode] = {}
        merged: list[tuple[str, Any, LineNode]] = []
        for knode, vnode in n.value:
            if _tag(knode) == _MERGE:
                value, lines = conv(vnode, depth + 1)
                sources = (
                    zip(value, lines[1], strict=True)
                    if isinstance(value, list)
                    else [(value, lines)]
                )
                for m, mlines in sources:
                    if isinstance(m, dict):
                        for k, v in m.items():
                            merged.append((k, v, mlines[1][k]))
                continue
            key = _key(
                _scalar(knode, where)
                if knode.__class__.__name__ == "ScalarNode"
                else conv(knode, depth + 1)[0]
            )
            if key in out:
                raise InputError(
                    f"{where}: duplicate key {key!r} (line {knode.start_mark.line + 1} of the "
                    "document)"
                )
            value, lines = conv(vnode, depth + 1)
            out[key] = value
            keyed[key] = (knode.start_mark.line, lines[1])
        for k, v, klines in merged:
            if k not in out:
                out[k] = v
                keyed[k] = klines
        return out, (line, keyed)

    return conv(node, 0)


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


def load_text(text: str, file: str) -> Source:
    """Parse a Kubernetes YAML stream (multi-document, ``kind: List``, Helm output).

    Non-mapping documents and documents without a string ``kind`` are skipped with a warning;
    empty documents are skipped silently.
    """
    src = Source(file=file, text=text, chunks=split_chunks(text))
    budget = stream_budget(text)
    for ci, chunk in enumerate(src.chunks):
        node = parse_chunk(chunk, file)
        if node is not None and _tag(node) == _NULL and not _is_map(node) and not _is_seq(node):
            node = None  # an empty document ("---" alone, or only comments)
        chunk.parsed = node is not None
        if node is None:
            continue
        doc_index = ci
        where = f"{file}:{chunk.start_line + 1}"
        if not _is_map(node):
            what = "a list" if _is_seq(node) else "a scalar"
            src.warnings.append(f"{where}: skipping document {doc_index}: not a mapping ({what})")
            continue
        helm = _SOURCE.search(chunk.text)
        source = helm.group(1) if helm else None
        obj, lines = to_plain_with_lines(node, where=where, stream=budget)
        del node  # the node tree is large; the line tree is all we keep
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
