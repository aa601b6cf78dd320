"""Namespace UID ranges: parse, read from annotations, and allocate.

Allocation is a pure function of the allocations that already exist, so the store behind it
(the webhook's, with compare-and-swap) can retry it safely: two allocators that race both compute
a block from the same snapshot, only one CAS succeeds, and the loser recomputes from the new set.

Strategy (deterministic, documented): the **lowest free block** of ``block_size`` UIDs starting at
``base`` (1,000,000,000, like OpenShift) that overlaps no existing allocation. Hash-preferred
placement was considered and rejected: it makes the result depend on the namespace name, which
complicates reasoning about "which block will this get" and still needs linear probing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from unroot.errors import UsageError
from unroot.untrusted import is_decimal

ANNOTATION = "unroot.dev/uid-range"
OPENSHIFT_ANNOTATION = "openshift.io/sa.scc.uid-range"
MCS_ANNOTATION = "unroot.dev/mcs"
OPENSHIFT_MCS_ANNOTATION = "openshift.io/sa.scc.mcs"
OPENSHIFT_GROUPS_ANNOTATION = "openshift.io/sa.scc.supplemental-groups"

DEFAULT_BASE = 1_000_000_000
DEFAULT_BLOCK = 10_000
DEFAULT_END = 2_000_000_000
"""Exclusive end of the allocatable space (OpenShift: 1000000000-1999999999)."""
MAX_UID = 2**31 - 1


@dataclass(frozen=True, slots=True, order=True)
class UIDRange:
    """``size`` UIDs starting at ``start``: ``[start, start + size - 1]``."""

    start: int
    size: int

    @property
    def last(self) -> int:
        return self.start + self.size - 1

    def __contains__(self, uid: object) -> bool:
        return isinstance(uid, int) and not isinstance(uid, bool) and self.start <= uid <= self.last

    def overlaps(self, other: UIDRange) -> bool:
        return self.start <= other.last and other.start <= self.last

    def __str__(self) -> str:
        return f"{self.start}/{self.size}"


def parse_range(text: str) -> UIDRange:
    """``"1000680000/10000"`` -> UIDRange; anything else is a UsageError naming the problem."""
    raw = text.strip()
    start_s, sep, size_s = raw.partition("/")
    if not sep or not is_decimal(start_s) or not is_decimal(size_s):
        raise UsageError(f"bad UID range {text!r}: expected START/SIZE, e.g. 1000680000/10000")
    start, size = int(start_s), int(size_s)
    if size < 1:
        raise UsageError(f"bad UID range {text!r}: size must be at least 1")
    if start + size - 1 > MAX_UID:
        raise UsageError(f"bad UID range {text!r}: ends beyond {MAX_UID}")
    return UIDRange(start, size)


def range_from_annotations(annotations: Mapping[str, object] | None) -> UIDRange | None:
    """Our annotation wins over OpenShift's; a malformed value is a UsageError."""
    if not annotations:
        return None
    for key in (ANNOTATION, OPENSHIFT_ANNOTATION):
        value = annotations.get(key)
        if isinstance(value, str) and value.strip():
            try:
                return parse_range(value)
            except UsageError as exc:
                raise UsageError(f"annotation {key}: {exc}") from None
    return None


def mcs_from_annotations(annotations: Mapping[str, object] | None) -> str | None:
    if not annotations:
        return None
    for key in (MCS_ANNOTATION, OPENSHIFT_MCS_ANNOTATION):
        value = annotations.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def allocate(
    existing: Iterable[UIDRange],
    *,
    base: int = DEFAULT_BASE,
    block_size: int = DEFAULT_BLOCK,
    end: int = DEFAULT_END,
) -> UIDRange:
    """The lowest ``block_size``-aligned block in ``[base, end)`` overlapping no allocation.

    Existing allocations need not be aligned (hand-written annotations); any overlap makes a
    block unusable. Raises UsageError when the space is exhausted.
    """
    if block_size < 1 or base < 0 or end <= base:
        raise UsageError("bad allocation space")
    taken = sorted(r for r in existing if r.last >= base and r.start < end)
    candidate = base
    for r in taken:
        if candidate + block_size - 1 < r.start:
            break  # the gap before r fits the candidate block
        if r.last >= candidate:
            # jump to the first aligned block after r
            candidate = base + ((r.last + 1 - base + block_size - 1) // block_size) * block_size
    if candidate + block_size > end:
        raise UsageError(f"UID range space {base}-{end - 1} is exhausted")
    return UIDRange(candidate, block_size)
