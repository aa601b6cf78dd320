"""One audit record and the hash that chains it to its predecessor.

The hash covers a canonical encoding (sorted keys, no whitespace, UTF-8) of every field except
``hash`` itself, including ``seq`` and ``prev``, so moving a record (reordering) or changing any
field changes its hash, and the next record's ``prev`` no longer matches.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

GENESIS = "0" * 64
"""``prev`` of the first record."""

KINDS = ("admission", "denial", "policy", "exemption-expired", "namespace")


@dataclass(slots=True)
class AuditRecord:
    """What happened, to what, by whom, under which profile, why, and when."""

    kind: str
    time: str
    """RFC 3339 UTC with microseconds, taken when the decision was made."""
    request_uid: str = ""
    namespace: str = ""
    subject: str = ""
    """The requesting user (``userInfo.username``) or the operator for policy changes."""
    groups: list[str] = field(default_factory=list)
    service_account: str = ""
    object: str = ""
    """``Kind/name`` of the admitted object."""
    operation: str = ""
    decision: str = ""
    profile: str = ""
    reason: str = ""
    """For an exempted admission: the exemption's reason; for a denial: why."""
    detail: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    prev: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """Every field but ``hash``: what the hash covers."""
        out = asdict(self)
        del out["hash"]
        return out

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> AuditRecord:
        """Raises TypeError/ValueError on a record that lacks or mistypes a field."""
        names = cls.__slots__
        unknown = set(data) - set(names)
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
        rec = cls(**data)
        if not isinstance(rec.seq, int) or isinstance(rec.seq, bool):
            raise ValueError("seq must be an integer")
        for name in ("kind", "time", "prev", "hash"):
            if not isinstance(getattr(rec, name), str):
                raise ValueError(f"{name} must be a string")
        return rec


def chain_hash(body: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical encoding of a record body."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def seal(record: AuditRecord, seq: int, prev: str) -> AuditRecord:
    """Give ``record`` its place in the chain (in place) and return it."""
    record.seq = seq
    record.prev = prev
    record.hash = chain_hash(record.body())
    return record
