"""Where a namespace's UID range comes from, on the admission hot path.

Two sources, one interface (:class:`RangeSource`):

* :class:`SQLiteRanges` (standalone, ``--state FILE``): the webhook allocates a namespace's block
  the first time it sees the namespace. The allocation runs in a ``BEGIN IMMEDIATE`` transaction
  that re-reads every allocation, so processes sharing the file never hand out the same block.
  Each process caches what it has read and drops the cache when SQLite's ``data_version`` says
  another connection committed (a release followed by a reallocation elsewhere).
* :class:`ClusterNamespaces` (in a cluster): a LIST+WATCH-fed cache of namespace annotations.
  Admission only reads it; the ``unroot namespaces controller`` writes the annotations.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from unroot.errors import UsageError
from unroot.policy.uidrange import (
    ANNOTATION,
    DEFAULT_BLOCK,
    OPENSHIFT_ANNOTATION,
    UIDRange,
    allocate,
    range_from_annotations,
)


@dataclass(frozen=True, slots=True)
class NamespaceFacts:
    uid_range: UIDRange | None
    annotations: Mapping[str, Any] | None


class NoRange(Exception):
    """The namespace has no UID range yet (retryable), or the range cannot be read."""


class RangeSource(Protocol):
    def facts(self, namespace: str, *, allocate_missing: bool) -> NamespaceFacts:
        """Raises :class:`NoRange` with a reason a user can act on."""
        ...

    def ready(self) -> bool: ...

    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS uid_ranges (
  namespace TEXT PRIMARY KEY,
  start INTEGER NOT NULL,
  size INTEGER NOT NULL,
  allocated TEXT NOT NULL
)
"""


class SQLiteRanges:
    def __init__(self, path: Path, *, block_size: int = DEFAULT_BLOCK) -> None:
        self.path = path
        self.block_size = block_size
        try:
            self._conn = sqlite3.connect(
                path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise UsageError(f"cannot use {path} for UID ranges: {exc}") from None
        self._lock = threading.Lock()
        self._cache: dict[str, UIDRange] = {}
        self._version = -1
        self.on_allocate: Callable[[str, UIDRange], None] | None = None

    def _fresh(self) -> None:
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._cache.clear()
            self._version = version

    def get(self, namespace: str) -> UIDRange | None:
        with self._lock:
            self._fresh()
            found = self._cache.get(namespace)
            if found is not None:
                return found
            row = self._conn.execute(
                "SELECT start, size FROM uid_ranges WHERE namespace = ?", (namespace,)
            ).fetchone()
            if row is None:
                return None
            rng = self._cache[namespace] = UIDRange(int(row[0]), int(row[1]))
            return rng

    def allocate(self, namespace: str) -> tuple[UIDRange, bool]:
        """(range, newly allocated). Race-free across processes sharing the file."""
        conn = self._conn
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "SELECT start, size FROM uid_ranges WHERE namespace = ?", (namespace,)
                ).fetchone()
                if row is not None:
                    conn.execute("COMMIT")
                    return UIDRange(int(row[0]), int(row[1])), False
                taken = [
                    UIDRange(int(s), int(n))
                    for s, n in conn.execute("SELECT start, size FROM uid_ranges")
                ]
                rng = allocate(taken, block_size=self.block_size)
                conn.execute(
                    "INSERT INTO uid_ranges (namespace, start, size, allocated) VALUES (?,?,?,?)",
                    (namespace, rng.start, rng.size, _now()),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._cache[namespace] = rng
        if self.on_allocate is not None:
            self.on_allocate(namespace, rng)
        return rng, True

    def release(self, namespace: str) -> UIDRange | None:
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "SELECT start, size FROM uid_ranges WHERE namespace = ?", (namespace,)
                ).fetchone()
                conn.execute("DELETE FROM uid_ranges WHERE namespace = ?", (namespace,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._cache.pop(namespace, None)
        return UIDRange(int(row[0]), int(row[1])) if row else None

    def all(self) -> list[tuple[str, UIDRange, str]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT namespace, start, size, allocated FROM uid_ranges ORDER BY start"
            ).fetchall()
        return [(str(n), UIDRange(int(s), int(z)), str(a)) for n, s, z, a in rows]

    def facts(self, namespace: str, *, allocate_missing: bool) -> NamespaceFacts:
        rng = self.get(namespace)
        if rng is None:
            if not allocate_missing:
                raise NoRange(
                    f"namespace {namespace!r} has no UID range yet and this is a dry run; "
                    "retry without dry run, or allocate one with `unroot namespaces allocate`"
                )
            try:
                rng, _ = self.allocate(namespace)
            except (sqlite3.Error, UsageError) as exc:
                raise NoRange(f"cannot allocate a UID range for {namespace!r}: {exc}") from exc
        return NamespaceFacts(rng, None)

    def ready(self) -> bool:
        return True

    def close(self) -> None:
        self._conn.close()


class ClusterNamespaces:
    """Namespace annotations from LIST + WATCH through the official client, in a thread.

    Admission reads ``_annotations`` (a dict swapped or updated under the GIL) and never
    writes to the API server.
    """

    def __init__(self, api: Any, *, resync_seconds: float = 300.0) -> None:
        self._api = api
        self._annotations: dict[str, dict[str, str]] = {}
        self._synced = threading.Event()
        self._stop = threading.Event()
        self._resync = resync_seconds
        self._thread = threading.Thread(target=self._run, name="namespace-watch", daemon=True)
        self.last_error = ""

    def start(self) -> None:
        self._thread.start()

    def wait_synced(self, timeout: float) -> bool:
        return self._synced.wait(timeout)

    def facts(self, namespace: str, *, allocate_missing: bool) -> NamespaceFacts:
        if not self._synced.is_set():
            raise NoRange("namespace cache is not synced with the API server yet; retry")
        ann = self._annotations.get(namespace)
        if ann is None:
            raise NoRange(f"namespace {namespace!r} is not known yet; retry")
        try:
            rng = range_from_annotations(ann)
        except UsageError as exc:
            raise NoRange(f"namespace {namespace!r}: {exc}") from None
        if rng is None:
            raise NoRange(
                f"namespace {namespace!r} has no UID range yet ({OPENSHIFT_ANNOTATION} or "
                f"{ANNOTATION}); the namespaces controller allocates one shortly: retry"
            )
        return NamespaceFacts(rng, ann)

    def ready(self) -> bool:
        return self._synced.is_set()

    def close(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        from kubernetes import watch
        from kubernetes.client.exceptions import ApiException

        while not self._stop.is_set():
            try:
                listing = self._api.list_namespace()
                fresh = {
                    ns.metadata.name: dict(ns.metadata.annotations or {}) for ns in listing.items
                }
                self._annotations = fresh
                self._synced.set()
                rv = listing.metadata.resource_version
                w = watch.Watch()
                for event in w.stream(
                    self._api.list_namespace,
                    resource_version=rv,
                    timeout_seconds=int(self._resync),
                    allow_watch_bookmarks=True,
                ):
                    if self._stop.is_set():
                        w.stop()
                        return
                    kind = event["type"]
                    obj = event["object"]
                    if kind == "BOOKMARK":
                        continue
                    name = obj.metadata.name
                    if kind == "DELETED":
                        self._annotations.pop(name, None)
                    else:
                        self._annotations[name] = dict(obj.metadata.annotations or {})
                self.last_error = ""
            except ApiException as exc:
                self.last_error = f"API error {exc.status}: {exc.reason}"
                self._stop.wait(1.0)
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                self._stop.wait(1.0)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
