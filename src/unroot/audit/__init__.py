"""Append-only, hash-chained audit log: records, stores (SQLite, JSON lines), verifier.

Every record carries the SHA-256 of its predecessor, so an edit, deletion, insertion or
reordering breaks the chain at the first record touched; a separately kept head (last
sequence number and hash) catches truncation of the tail.
"""

from unroot.audit.record import GENESIS, AuditRecord, chain_hash
from unroot.audit.store import AuditStore, AuditWriteError, open_store

__all__ = ["GENESIS", "AuditRecord", "AuditStore", "AuditWriteError", "chain_hash", "open_store"]
