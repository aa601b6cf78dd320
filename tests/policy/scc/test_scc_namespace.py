"""What an SCC takes from the namespace: UID block, groups, SELinux level."""

from __future__ import annotations

import pytest

from unroot.policy.scc.model import IDRange
from unroot.policy.scc.namespace import (
    MCS,
    SUPPLEMENTAL_GROUPS,
    UID_RANGE,
    Namespace,
    PreallocationError,
    fs_group_ranges,
    parse_block,
    selinux_level,
    supplemental_group_ranges,
    uid_range,
)


@pytest.mark.parametrize(
    ("text", "block"),
    [
        ("1000680000/10000", IDRange(1000680000, 1000689999)),
        ("1/3", IDRange(1, 3)),
        ("5-9", IDRange(5, 9)),
    ],
)
def test_blocks(text: str, block: IDRange) -> None:
    assert parse_block(text) == block


@pytest.mark.parametrize("text", ["", "x", "1/0", "9-5", "1/", "-1/3", "4294967295/2"])
def test_bad_blocks(text: str) -> None:
    with pytest.raises(PreallocationError):
        parse_block(text)


def test_groups_fall_back_to_the_uid_block_and_fs_group_is_one_id() -> None:
    ns = Namespace("n", {UID_RANGE: "100/10"})
    assert uid_range(ns) == IDRange(100, 109)
    assert supplemental_group_ranges(ns) == (IDRange(100, 109),)
    assert fs_group_ranges(ns) == (IDRange(100, 100),)
    both = Namespace("n", {UID_RANGE: "100/10", SUPPLEMENTAL_GROUPS: "5/2,20-30"})
    assert supplemental_group_ranges(both) == (IDRange(5, 6), IDRange(20, 30))
    assert fs_group_ranges(both) == (IDRange(5, 5),)


def test_missing_and_empty_annotations() -> None:
    with pytest.raises(PreallocationError, match="unable to find annotation"):
        uid_range(Namespace("n"))
    with pytest.raises(PreallocationError, match="but it was empty"):
        uid_range(Namespace("n", {UID_RANGE: ""}))
    with pytest.raises(PreallocationError, match="unable to find groups"):
        fs_group_ranges(Namespace("n", {UID_RANGE: "1/2", SUPPLEMENTAL_GROUPS: ""}))
    with pytest.raises(PreallocationError, match=MCS):
        selinux_level(Namespace("n"))
    assert selinux_level(Namespace("n", level_optional=True)) is None
    assert selinux_level(Namespace("n", {MCS: "s0:c1,c0"})) == "s0:c1,c0"
