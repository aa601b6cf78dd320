"""Text from untrusted input made safe to compute with and safe to print.

Three rules hold everywhere unroot reads a file, an image, a manifest or a command line:

- **Integers** come only from ASCII decimal digits under a length cap
  (:func:`parse_decimal`). ``str.isdigit`` accepts ``²`` and ``٣``, and ``int()`` refuses
  more than 4,300 digits with a ``ValueError``; both used to end a scan with a traceback.
- **Expansions** (``$A$A``, ``${A}`` in ENV/ARG, scripts, daemon configs) stop at
  :data:`MAX_WORD` characters per word (:func:`check_word`), so a doubling chain in a 1 KB
  Dockerfile cannot grow to gigabytes.
- **Printed names** never carry control characters or bytes that are not UTF-8
  (:func:`printable`): a file name holding ``ESC[2J`` cannot clear the screen or forge a
  verdict line, and a Latin-1 name from a real image prints as ``caf\\xe9`` instead of
  crashing the JSON encoder.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from enum import Enum
from typing import Any, TypeVar, cast

from unroot.errors import InputError

_T = TypeVar("_T")

MAX_DIGITS = 20
"""Longest decimal accepted anywhere (2**64 has 20 digits; every id, port and size is below)."""
MAX_WORD = 1 << 20
"""Longest expanded word, in characters (1 MiB): far above any real value (a certificate in
an ENV is a few KB), far below what exhausts memory."""

_DIGITS = re.compile(r"[0-9]+")


def parse_decimal(text: str, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The value of ``text`` if it is only ASCII digits (at most ``max_digits`` of them, not
    counting leading zeros), else None. No sign, no spaces, no underscores."""
    if len(text) > max_digits:
        stripped = text.lstrip("0")
        if len(stripped) > max_digits or len(text) > 4 * max_digits:
            return None
        text = stripped or "0"
    if not _DIGITS.fullmatch(text):
        return None
    return int(text)


def is_decimal(text: str, *, max_digits: int = MAX_DIGITS) -> bool:
    """True when ``text`` is 1 to ``max_digits`` ASCII digits: what ``int()`` then takes at
    once. Use it where ``str.isdigit`` was (``"²".isdigit()`` is true; ``int("²")`` fails)."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def parse_id(text: str, *, maximum: int = (1 << 32) - 2) -> int | None:
    """A user or group id: ASCII decimal, at most ``maximum`` (the kernel's largest usable
    id, 4294967294, by default), else None."""
    value = parse_decimal(text, max_digits=10)
    return value if value is not None and value <= maximum else None


def check_word(length: int, what: str = "a word") -> None:
    """Raise when an expansion result reaches :data:`MAX_WORD` characters."""
    if length > MAX_WORD:
        raise InputError(
            f"{what} expands to more than {MAX_WORD // (1 << 20)} MiB (a variable doubling "
            "itself?); refusing"
        )


# C0 and C1 controls, DEL, the bidirectional overrides and isolates (they reorder what a
# terminal shows), line/paragraph separators, and lone surrogates (bytes that were not UTF-8,
# kept by the ``surrogateescape`` decoding of tar names).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_UNPRINTABLE_KEEP_LINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character, bidi override and undecodable byte written as
    a ``\\xNN`` (or ``\\uNNNN``) escape. ``keep_newlines`` keeps ``\\n`` and ``\\t`` for
    multi-line text such as a diff."""
    if text.isprintable():
        return text
    pattern = _UNPRINTABLE_KEEP_LINES if keep_newlines else _UNPRINTABLE
    return pattern.sub(_escape, text)


def one_line(text: str) -> str:
    """A message as one printable line: whitespace runs become one space."""
    return printable(" ".join(text.split())) or "unknown error"


def clean(value: _T) -> _T:
    """``value`` with every string in it (through dataclasses, lists, tuples and dicts) made
    :func:`printable`, newlines included (a name holding one could forge a report line): what
    a report shows of names taken from an image or a manifest. Objects that need no change
    are returned as they are."""
    return cast(_T, _clean(value))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.isprintable() else printable(value)
    if isinstance(value, Enum):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {}
        for f in fields(value):
            old = getattr(value, f.name)
            new = _clean(old)
            if new is not old:
                if not f.init:
                    return value
                changes[f.name] = new
        return replace(value, **changes) if changes else value
    if isinstance(value, list | tuple):
        items = [_clean(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        pairs = [(_clean(k), _clean(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    return value
