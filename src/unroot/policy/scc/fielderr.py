"""Denial reasons in the form OpenShift's admission prints them, plus where the field is.

Upstream builds each reason as a Kubernetes ``field.Error``: a display path
(``provider restricted-v2: .containers[0].runAsUser``), a type (``Invalid value``,
``Required value``, ``Forbidden``), the bad value printed the Go way and a detail. Users grep
for these texts, and the conformance corpus checks them, so they are reproduced exactly,
including Go's value formatting of the Kubernetes release the corpus was taken from (a nil
pointer prints as ``"null"``, a slice as ``[]int64{1, 2}``).

Each error also carries ``field``: the real path of the offending field in the pod
(``spec.containers[0].securityContext.runAsUser``), which ``unroot check`` turns into a file
and line. The display path is upstream's and does not always name that field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

INVALID = "Invalid value"
REQUIRED = "Required value"
FORBIDDEN = "Forbidden"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason an SCC refuses a pod (or cannot be used)."""

    path: str
    """Upstream's display path, e.g. ``provider x: .containers[0].runAsUser``."""
    kind: str
    """``Invalid value``, ``Required value``, ``Forbidden``, or ``""`` for a plain message."""
    detail: str = ""
    value: str | None = None
    """The bad value, already formatted the Go way (only for ``Invalid value``)."""
    field: str = ""
    """Path of the offending field in the pod (``spec.containers[0]...``); ``""`` if none."""
    scc: str | None = None

    def body(self) -> str:
        if not self.kind:
            return self.detail
        text = self.kind
        if self.value is not None:
            text += ": " + self.value
        if self.detail:
            text += ": " + self.detail
        return text

    def __str__(self) -> str:
        return f"{self.path}: {self.body()}"


def invalid(path: str, value: str, detail: str, field: str, scc: str | None) -> FieldError:
    return FieldError(path, INVALID, detail, value, field, scc)


def required(path: str, detail: str, field: str, scc: str | None) -> FieldError:
    return FieldError(path, REQUIRED, detail, None, field, scc)


def forbidden(path: str, detail: str, field: str, scc: str | None) -> FieldError:
    return FieldError(path, FORBIDDEN, detail, None, field, scc)


def aggregate(messages: Iterable[str]) -> str:
    """``errors.NewAggregate(...).Error()``: duplicates dropped, several in ``[a, b]``."""
    unique = list(dict.fromkeys(messages))
    if len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"


# --- Go value formatting (k8s.io/apimachinery field.Error, the release the corpus uses) ---

NULL = '"null"'


def go_quote(text: str) -> str:
    """Go's ``%q`` for a string (strconv.Quote): printable runes kept, the rest escaped."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_SHORT_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def go_value(value: object) -> str:
    """A scalar bad value: ints and bools plain, strings quoted, ``None`` as ``"null"``."""
    if value is None:
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return go_quote(value)
    return str(value)


def go_int64s(values: Sequence[int] | None) -> str:
    """``%#v`` of a ``[]int64``: ``[]int64{1, 2}``, ``[]int64{}``, ``[]int64(nil)``."""
    if values is None:
        return "[]int64(nil)"
    return "[]int64{" + ", ".join(str(v) for v in values) + "}"


def go_capabilities(values: Sequence[str] | None) -> str:
    """``%#v`` of a ``[]core.Capability``."""
    if values is None:
        return "[]core.Capability(nil)"
    return "[]core.Capability{" + ", ".join(go_quote(v) for v in values) + "}"
