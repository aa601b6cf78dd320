"""A thread that makes audit records durable in batches (group commit).

Request handlers must not block the event loop on fsync, and one fsync per record would cap
the denial rate at the disk's sync rate. Handlers :meth:`submit` a record and await its future;
the thread takes everything queued, appends it in one transaction, then completes every future
(with the error, if the write failed, so the caller applies the configured failure mode).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from unroot.audit.record import AuditRecord
from unroot.audit.store import AuditStore, AuditWriteError

_STOP = object()
_MAX_BATCH = 512


class AuditWriter:
    def __init__(self, store: AuditStore) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self.failures = 0
        self.written = 0
        self.last_error = ""
        self._thread.start()

    def submit(self, record: AuditRecord | Mapping[str, Any]) -> Future[Any]:
        """Queue a record (or the fields of one); the future completes once it is durable."""
        if not isinstance(record, AuditRecord):
            record = AuditRecord(**record)
        fut: Future[Any] = Future()
        self._queue.put((record, fut))
        return fut

    def write(self, record: AuditRecord | Mapping[str, Any]) -> AuditRecord:
        """Blocking append (startup records, CLI use)."""
        result: AuditRecord = self.submit(record).result()
        return result

    def close(self) -> None:
        """Write everything queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()
        self.store.close()

    def _run(self) -> None:
        stop = False
        while not stop:
            batch: list[tuple[AuditRecord, Future[AuditRecord]]] = []
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stop = True
                else:
                    batch.append(item)  # type: ignore[arg-type]
                if len(batch) >= _MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._flush(batch)

    def _flush(self, batch: list[tuple[AuditRecord, Future[AuditRecord]]]) -> None:
        try:
            self.store.append([rec for rec, _ in batch])
        except AuditWriteError as exc:
            self.failures += len(batch)
            self.last_error = str(exc)
            for _, fut in batch:
                fut.set_exception(exc)
            return
        except Exception as exc:
            self.failures += len(batch)
            self.last_error = f"{type(exc).__name__}: {exc}"
            err = AuditWriteError(self.last_error)
            for _, fut in batch:
                fut.set_exception(err)
            return
        self.written += len(batch)
        self.last_error = ""
        for rec, fut in batch:
            fut.set_result(rec)
