"""Host ports for parallel verifies never collide: leases are exclusive across threads and
processes, and ports something else holds are skipped."""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from unroot.errors import UsageError
from unroot.runtime.ports import PortAllocator, port_range_from_env


def _hold(
    lock_dir: str,
    count: int,
    queue: multiprocessing.Queue[list[int]],
    start: threading.Event | None = None,
) -> None:  # type: ignore[type-arg]
    alloc = PortAllocator(Path(lock_dir), (24000, 24039))
    leases = [alloc.allocate() for _ in range(count)]
    queue.put([lease.port for lease in leases])
    # keep the leases until the parent has collected everyone's ports
    threading.Event().wait(2)


def test_processes_never_get_the_same_port(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_hold, args=(str(tmp_path), 8, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    got = [port for _ in procs for port in queue.get(timeout=30)]
    for p in procs:
        p.join(timeout=30)
    assert len(got) == 32
    assert len(set(got)) == 32, sorted(got)


def test_threads_never_get_the_same_port(tmp_path: Path) -> None:
    alloc = PortAllocator(tmp_path, (24100, 24119))
    got: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        lease = alloc.allocate()
        with lock:
            got.append(lease.port)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(24100, 24120))


def test_released_port_can_be_leased_again_and_exhaustion_is_an_error(tmp_path: Path) -> None:
    alloc = PortAllocator(tmp_path, (24200, 24200))
    lease = alloc.allocate()
    assert lease.port == 24200
    with pytest.raises(Exception, match="no free host port"):
        alloc.allocate()
    lease.release()
    lease.release()  # twice is harmless
    with alloc.allocate() as again:
        assert again.port == 24200


def test_a_port_in_use_elsewhere_is_skipped(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        alloc = PortAllocator(tmp_path, (port, port))
        with pytest.raises(Exception, match="no free host port"):
            alloc.allocate()


def test_range_from_environment() -> None:
    assert port_range_from_env(None) == (20000, 29999)
    assert port_range_from_env("30000-30010") == (30000, 30010)
    for bad in ("x", "10-20", "30010-30000", "30000-70000"):
        with pytest.raises(UsageError):
            port_range_from_env(bad)


def test_shared_lock_directory_is_sticky_and_world_writable() -> None:
    import stat as st

    from unroot.runtime.locks import lock_dir

    path = lock_dir()
    mode = os.lstat(path).st_mode
    if path.name == "unroot-locks":
        assert st.S_ISDIR(mode) and st.S_IMODE(mode) == 0o1777


def test_a_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    victim.chmod(0o600)
    locks = tmp_path / "locks"
    locks.mkdir()
    (locks / "port-24300.lock").symlink_to(victim)
    alloc = PortAllocator(locks, (24300, 24301))
    with alloc.allocate() as lease:
        assert lease.port == 24301
    assert victim.read_text() == "keep\n"
    assert victim.stat().st_mode & 0o777 == 0o600


def test_exclusive_lock_serialises_and_never_hangs(tmp_path: Path) -> None:
    from unroot.runtime.locks import exclusive

    order: list[str] = []
    with exclusive("x", 5, tmp_path):
        t = threading.Thread(target=lambda: _take(tmp_path, order))
        t.start()
        threading.Event().wait(0.3)
        order.append("first done")
    t.join(10)
    assert order == ["first done", "second"]
    # a holder that never lets go delays the next one by the timeout, no longer
    import fcntl

    fd = os.open(tmp_path / "y.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    start = time.monotonic()
    with exclusive("y", 0.5, tmp_path):
        pass
    assert 0.4 < time.monotonic() - start < 5
    os.close(fd)


def _take(directory: Path, order: list[str]) -> None:
    from unroot.runtime.locks import exclusive

    with exclusive("x", 5, directory):
        order.append("second")
