"""Walk a stored chain and name the first record that does not belong where it is.

Checks, in order, for each record: it parses; its ``seq`` is one more than its predecessor's
(deletion, insertion, reordering); its ``prev`` is its predecessor's hash; its own hash matches
its content (an edit). After the last record, the chain must end where the separately kept head
says (truncation of the tail), or where ``expected_head`` says when an operator kept one apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from unroot.audit.record import GENESIS, AuditRecord, chain_hash
from unroot.audit.store import RawEntry


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int
    """Records that verified before the first problem (all of them when ok)."""
    last_seq: int
    last_hash: str
    first_bad: str = ""
    """Where the first bad record is (``seq 17``, ``line 17 (seq 17)``), or the head problem."""
    problem: str = ""

    def message(self) -> str:
        if self.ok:
            return f"ok: {self.records} record(s), head seq {self.last_seq} {self.last_hash}"
        return f"first bad record: {self.first_bad}: {self.problem}"


def verify(
    entries: Iterable[RawEntry],
    stored_head: tuple[int, str] | None,
    expected_head: tuple[int, str] | None = None,
) -> VerifyResult:
    """Both heads must be in the chain: their seq reached, with the same hash there. Records
    after the stored head are accepted (a JSON-lines writer that crashed between fsyncing the
    lines and replacing the head leaves them; they chain on, and the next append adopts them)."""
    heads = [
        (label, h)
        for label, h in (("stored head", stored_head), ("expected head", expected_head))
        if h is not None
    ]
    wanted = {h[0]: "" for _, h in heads}
    seq, prev, count = 0, GENESIS, 0
    if 0 in wanted:
        wanted[0] = GENESIS
    for entry in entries:
        problem = _check(entry, seq, prev)
        if problem:
            return VerifyResult(False, count, seq, prev, entry.where, problem)
        assert entry.data is not None
        seq, prev, count = int(entry.data["seq"]), str(entry.data["hash"]), count + 1
        if seq in wanted:
            wanted[seq] = prev
    for label, (head_seq, head_hash) in heads:
        if head_seq > seq:
            return VerifyResult(
                False,
                count,
                seq,
                prev,
                f"seq {seq + 1}",
                f"missing: the chain ends at seq {seq} but the {label} is seq {head_seq} "
                "(records were removed from the end)",
            )
        if wanted[head_seq] != head_hash:
            return VerifyResult(
                False,
                count,
                seq,
                prev,
                f"seq {head_seq}",
                f"hash differs from the {label} {head_hash} (the chain was rewritten)",
            )
    return VerifyResult(True, count, seq, prev)


def _check(entry: RawEntry, seq: int, prev: str) -> str:
    if entry.data is None:
        return entry.error or "unreadable"
    try:
        rec = AuditRecord.from_mapping(dict(entry.data))
    except (TypeError, ValueError) as exc:
        return f"not a valid record ({exc})"
    if rec.seq != seq + 1:
        if rec.seq <= seq:
            return f"seq {rec.seq} follows seq {seq} (reordered or duplicated)"
        return f"seq {rec.seq} follows seq {seq} (records {seq + 1}..{rec.seq - 1} are missing)"
    if rec.prev != prev:
        return "prev hash does not match the previous record (inserted, removed or reordered)"
    if chain_hash(rec.body()) != rec.hash:
        return "content does not match its hash (edited)"
    return ""
