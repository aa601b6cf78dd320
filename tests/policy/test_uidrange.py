"""Namespace UID ranges: parsing, annotations, deterministic allocation, racing allocators."""

from __future__ import annotations

import random
import threading

import pytest

from unroot.errors import UsageError
from unroot.policy.uidrange import (
    DEFAULT_BASE,
    DEFAULT_BLOCK,
    UIDRange,
    allocate,
    mcs_from_annotations,
    parse_range,
    range_from_annotations,
)


def test_parse_and_format() -> None:
    r = parse_range("1000680000/10000")
    assert (r.start, r.size, r.last) == (1000680000, 10000, 1000689999)
    assert str(r) == "1000680000/10000"
    assert 1000680000 in r and 1000689999 in r
    assert 1000690000 not in r and 0 not in r and True not in r


@pytest.mark.parametrize("text", ["", "1000", "a/b", "1/0", "-1/5", "1/2/3", "2147483647/2"])
def test_bad_ranges(text: str) -> None:
    with pytest.raises(UsageError):
        parse_range(text)


def test_annotations_ours_win_over_openshift() -> None:
    assert range_from_annotations({"openshift.io/sa.scc.uid-range": "5/10"}) == UIDRange(5, 10)
    both = {"openshift.io/sa.scc.uid-range": "5/10", "unroot.dev/uid-range": "100/10"}
    assert range_from_annotations(both) == UIDRange(100, 10)
    assert range_from_annotations({}) is None and range_from_annotations(None) is None
    with pytest.raises(UsageError, match=r"unroot\.dev/uid-range"):
        range_from_annotations({"unroot.dev/uid-range": "nope"})
    assert mcs_from_annotations({"openshift.io/sa.scc.mcs": "s0:c26,c5"}) == "s0:c26,c5"


def test_lowest_free_block() -> None:
    assert allocate([]) == UIDRange(DEFAULT_BASE, DEFAULT_BLOCK)
    first = UIDRange(DEFAULT_BASE, DEFAULT_BLOCK)
    third = UIDRange(DEFAULT_BASE + 2 * DEFAULT_BLOCK, DEFAULT_BLOCK)
    assert allocate([third, first]) == UIDRange(DEFAULT_BASE + DEFAULT_BLOCK, DEFAULT_BLOCK)
    # an unaligned hand-written range blocks every block it touches
    odd = UIDRange(DEFAULT_BASE + 5, 3 * DEFAULT_BLOCK)
    assert allocate([odd]).start == DEFAULT_BASE + 4 * DEFAULT_BLOCK
    # ranges outside the space are ignored
    assert allocate([UIDRange(1000, 10)]) == UIDRange(DEFAULT_BASE, DEFAULT_BLOCK)


def test_allocation_is_deterministic_and_order_independent() -> None:
    rng = random.Random(7)
    taken = [
        UIDRange(DEFAULT_BASE + i * DEFAULT_BLOCK, DEFAULT_BLOCK) for i in rng.sample(range(50), 30)
    ]
    expected = allocate(taken)
    for _ in range(5):
        rng.shuffle(taken)
        assert allocate(taken) == expected
    assert not any(expected.overlaps(t) for t in taken)


def test_exhaustion_is_a_usage_error() -> None:
    space = [UIDRange(0, 10), UIDRange(10, 10)]
    with pytest.raises(UsageError, match="exhausted"):
        allocate(space, base=0, block_size=10, end=20)


class CASStore:
    """A shared allocation set with a version: the shape of the webhook's store."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = 0
        self.allocations: dict[str, UIDRange] = {}
        self.conflicts = 0

    def snapshot(self) -> tuple[int, list[UIDRange]]:
        with self.lock:
            return self.version, list(self.allocations.values())

    def compare_and_swap(self, version: int, namespace: str, block: UIDRange) -> bool:
        with self.lock:
            if self.version != version:
                self.conflicts += 1
                return False
            self.allocations[namespace] = block
            self.version += 1
            return True


def test_racing_allocators_never_share_a_block() -> None:
    store = CASStore()
    barrier = threading.Barrier(2)

    def allocator(prefix: str) -> None:
        barrier.wait()
        for i in range(200):
            while True:
                version, existing = store.snapshot()
                block = allocate(existing)
                if store.compare_and_swap(version, f"{prefix}-{i}", block):
                    break

    threads = [threading.Thread(target=allocator, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    blocks = list(store.allocations.values())
    assert len(blocks) == 400
    assert len(set(blocks)) == 400
    # lowest-free allocation with no frees: exactly the first 400 blocks
    assert sorted(b.start for b in blocks) == [DEFAULT_BASE + i * DEFAULT_BLOCK for i in range(400)]


def test_interleaved_allocators_loser_retries_and_gets_another_block() -> None:
    store = CASStore()
    store.compare_and_swap(0, "existing", UIDRange(DEFAULT_BASE, DEFAULT_BLOCK))
    va, seen_a = store.snapshot()
    vb, seen_b = store.snapshot()
    block_a, block_b = allocate(seen_a), allocate(seen_b)
    assert block_a == block_b  # same snapshot, same answer: the store must arbitrate
    assert store.compare_and_swap(va, "a", block_a)
    assert not store.compare_and_swap(vb, "b", block_b)
    vb, seen_b = store.snapshot()
    block_b = allocate(seen_b)
    assert store.compare_and_swap(vb, "b", block_b)
    assert block_b != block_a and not block_b.overlaps(block_a)
