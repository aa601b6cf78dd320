"""Cleanup that a termination signal cannot cut short.

The CLI turns SIGTERM, SIGINT and SIGHUP into an exception in the main thread, so every
``finally`` on the way out runs: layer workers are killed and reaped, skopeo is killed, the
temporary layout is removed. A second signal arriving *during* that cleanup would raise in
the middle of it; inside :func:`signals_held` such signals stay pending and are delivered
when the block ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold termination signals (main thread only; elsewhere this does nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
