"""Where audit records go: a SQLite file (default), a JSON-lines file, or standard output.

Each store seals records (sequence number, previous hash, own hash) inside its own write lock,
reading the head from the store itself, so several processes sharing one file extend one chain.
:meth:`AuditStore.append` returns only when the records are durable (fsync); on any failure it
raises :class:`AuditWriteError` and leaves the store as it was, so the chain never holds a record
that the caller was told failed, nor a partial one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

from unroot.audit.record import GENESIS, AuditRecord, seal
from unroot.errors import UsageError


class AuditWriteError(Exception):
    """The records could not be made durable; nothing was appended."""


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One stored record as found, for the verifier: where it is, and its parsed fields."""

    where: str
    """``seq 17`` (SQLite) or ``line 17`` (JSON lines)."""
    position: int
    """Row order (SQLite) or line number, 1-based."""
    data: dict[str, Any] | None
    error: str = ""


class AuditStore(Protocol):
    location: str

    def append(self, records: list[AuditRecord]) -> None: ...

    def entries(self) -> Iterator[RawEntry]: ...

    def head(self) -> tuple[int, str] | None:
        """The separately kept (seq, hash) of the last record, or None when not kept."""
        ...

    def close(self) -> None: ...


def open_store(spec: str) -> AuditStore:
    """``sqlite:PATH`` (or a bare path), ``jsonl:PATH``, or ``jsonl:-`` for standard output."""
    kind, sep, rest = spec.partition(":")
    if not sep:
        kind, rest = "sqlite", spec
    if kind == "sqlite" and rest:
        return SQLiteStore(Path(rest))
    if kind == "jsonl" and rest == "-":
        return StreamStore()
    if kind == "jsonl" and rest:
        return JSONLinesStore(Path(rest))
    raise UsageError(f"bad audit store {spec!r}: expected sqlite:PATH, jsonl:PATH or jsonl:-")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
"""


def connect_sqlite(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with full fsync on commit, shared by audit and UID ranges."""
    try:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    except sqlite3.Error as exc:
        raise UsageError(f"cannot open SQLite file {path}: {exc}") from None
    return conn


class SQLiteStore:
    """Records as JSON text in table ``audit``, the head in ``audit_head`` (same transaction)."""

    def __init__(self, path: Path) -> None:
        self.location = f"sqlite:{path}"
        self._conn = connect_sqlite(path)
        try:
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise UsageError(f"cannot use {path} as an audit store: {exc}") from None

    def append(self, records: list[AuditRecord]) -> None:
        if not records:
            return
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
                seq, prev = (row[0], row[1]) if row else (0, GENESIS)
                rows = []
                for rec in records:
                    seq += 1
                    seal(rec, seq, prev)
                    prev = rec.hash
                    rows.append((seq, rec.to_json().decode()))
                conn.executemany("INSERT INTO audit (seq, record) VALUES (?, ?)", rows)
                conn.execute(
                    "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                    (seq, prev),
                )
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            for rec in records:
                rec.seq, rec.prev, rec.hash = 0, "", ""
            raise AuditWriteError(f"{self.location}: {exc}") from exc

    def entries(self) -> Iterator[RawEntry]:
        cur = self._conn.execute("SELECT seq, record FROM audit ORDER BY rowid")
        for position, (seq, text) in enumerate(cur, start=1):
            try:
                data = orjson.loads(text)
                if not isinstance(data, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                yield RawEntry(f"seq {seq}", position, None, f"not a valid record ({exc})")
                continue
            if data.get("seq") != seq:
                yield RawEntry(
                    f"seq {seq}", position, None, f"row {seq} holds record seq {data.get('seq')}"
                )
                continue
            yield RawEntry(f"seq {seq}", position, data)

    def head(self) -> tuple[int, str] | None:
        row = self._conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def close(self) -> None:
        self._conn.close()


class JSONLinesStore:
    """One record per line; the head (seq, hash, byte size) in ``PATH.head``, updated after
    the lines are fsynced. An exclusive ``flock`` on the file serialises writers."""

    def __init__(self, path: Path) -> None:
        self.location = f"jsonl:{path}"
        self.path = path
        self.head_path = path.with_name(path.name + ".head")
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
        except OSError as exc:
            raise UsageError(f"cannot open audit file {path}: {exc.strerror}") from None

    def _read_head(self) -> tuple[int, str, int]:
        try:
            data = orjson.loads(self.head_path.read_bytes())
            return int(data["seq"]), str(data["hash"]), int(data["size"])
        except FileNotFoundError:
            return 0, GENESIS, 0
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditWriteError(f"{self.head_path}: unreadable head ({exc})") from exc

    def _write_head(self, seq: int, digest: str, size: int) -> None:
        tmp = self.head_path.with_name(self.head_path.name + ".tmp")
        data = orjson.dumps({"seq": seq, "hash": digest, "size": size})
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.head_path)
        dfd = os.open(self.head_path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def _recover(self, seq: int, digest: str, size: int) -> tuple[int, str, int]:
        """Lines written after the last head update (a crash between the two fsyncs) are kept
        when they chain on; a torn last line is cut off."""
        end = os.fstat(self._fd).st_size
        if end <= size:
            return seq, digest, size
        os.lseek(self._fd, size, os.SEEK_SET)
        tail = os.read(self._fd, end - size)
        good = size
        for line in tail.split(b"\n")[:-1]:  # the last piece is empty or torn
            try:
                rec = AuditRecord.from_mapping(orjson.loads(line))
            except (ValueError, TypeError):
                break
            if rec.seq != seq + 1 or rec.prev != digest:
                break
            seq, digest, good = rec.seq, rec.hash, good + len(line) + 1
        if good < end:
            os.ftruncate(self._fd, good)
        return seq, digest, good

    def append(self, records: list[AuditRecord]) -> None:
        if not records:
            return
        fd = self._fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            seq, prev, size = self._recover(*self._read_head())
            lines = []
            for rec in records:
                seq += 1
                seal(rec, seq, prev)
                prev = rec.hash
                lines.append(rec.to_json())
            data = b"\n".join(lines) + b"\n"
            try:
                _write_all(fd, data)
                os.fsync(fd)
                self._write_head(seq, prev, size + len(data))
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
                    os.fsync(fd)
                for rec in records:
                    rec.seq, rec.prev, rec.hash = 0, "", ""
                raise AuditWriteError(f"{self.location}: {exc.strerror or exc}") from exc
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def entries(self) -> Iterator[RawEntry]:
        with open(self.path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.endswith(b"\n"):
                    yield RawEntry(f"line {number}", number, None, "torn last line")
                    return
                try:
                    data = orjson.loads(line)
                    if not isinstance(data, dict):
                        raise ValueError("not a JSON object")
                except ValueError as exc:
                    yield RawEntry(f"line {number}", number, None, f"not a valid record ({exc})")
                    continue
                yield RawEntry(f"line {number} (seq {data.get('seq')})", number, data)

    def head(self) -> tuple[int, str] | None:
        try:
            seq, digest, _ = self._read_head()
        except AuditWriteError:
            return None
        return seq, digest

    def close(self) -> None:
        os.close(self._fd)


class StreamStore:
    """JSON lines on standard output for a log shipper; the chain starts anew in each process
    (seq 1, prev all zeros), and the head lives only in memory."""

    location = "jsonl:-"

    def __init__(self) -> None:
        self._seq = 0
        self._prev = GENESIS

    def append(self, records: list[AuditRecord]) -> None:
        seq, prev = self._seq, self._prev
        lines = []
        for rec in records:
            seq += 1
            seal(rec, seq, prev)
            prev = rec.hash
            lines.append(rec.to_json())
        try:
            out = sys.stdout.buffer
            out.write(b"\n".join(lines) + b"\n")
            out.flush()
        except OSError as exc:
            raise AuditWriteError(f"stdout: {exc.strerror or exc}") from exc
        self._seq, self._prev = seq, prev

    def entries(self) -> Iterator[RawEntry]:
        return iter(())

    def head(self) -> tuple[int, str] | None:
        return self._seq, self._prev

    def close(self) -> None:
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:  # pragma: no cover - os.write raises instead
            raise OSError(errno.EIO, "short write")
        view = view[n:]
