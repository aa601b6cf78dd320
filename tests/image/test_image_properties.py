"""Property tests: user resolution and the capability decoder never crash and stay consistent."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from unroot.image.capabilities import CAPABILITY_NAMES, MalformedCapability, decode
from unroot.image.users import parse_group, parse_passwd, resolve_user

PASSWD = parse_passwd("root:x:0:0::/root:/bin/sh\napp:x:1001:0::/home/app:/bin/sh\n")
GROUPS = parse_group("root:x:0:\nstaff:x:50:\n")


@given(st.text(max_size=40))
def test_resolve_user_total(spec: str) -> None:
    user = resolve_user(spec, PASSWD, GROUPS)
    assert user.is_root == (user.uid == 0)
    if user.invalid or user.unknown_user:
        assert user.uid is None
    if user.uid is not None:
        assert 0 <= user.uid < 2**32 - 1


@given(st.integers(0, 2**32 - 2), st.integers(0, 2**32 - 2))
def test_numeric_pairs_resolve_to_themselves(uid: int, gid: int) -> None:
    user = resolve_user(f"{uid}:{gid}", PASSWD, GROUPS)
    assert (user.uid, user.gid, user.user_numeric) == (uid, gid, True)
    assert user.is_root == (uid == 0)


@given(st.text(max_size=300))
def test_passwd_parser_total(text: str) -> None:
    for entry in parse_passwd(text):
        assert entry.name and entry.uid >= 0 and entry.line >= 1
    for group in parse_group(text):
        assert group.name and group.gid >= 0


@given(st.binary(max_size=40))
def test_decode_is_total(raw: bytes) -> None:
    try:
        caps = decode(raw)
    except MalformedCapability:
        return
    assert caps.revision in (1, 2, 3)
    assert len(raw) == {1: 12, 2: 20, 3: 24}[caps.revision]


@given(st.integers(0, 2**41 - 1), st.integers(0, 2**41 - 1), st.booleans())
def test_v2_masks_round_trip(permitted: int, inheritable: int, effective: bool) -> None:
    raw = struct.pack(
        "<5I",
        0x02000000 | int(effective),
        permitted & 0xFFFFFFFF,
        inheritable & 0xFFFFFFFF,
        permitted >> 32,
        inheritable >> 32,
    )
    caps = decode(raw)
    assert caps.effective is effective
    assert {CAPABILITY_NAMES.index(n) for n in caps.permitted} == {
        b for b in range(41) if permitted >> b & 1
    }
    assert {CAPABILITY_NAMES.index(n) for n in caps.inheritable} == {
        b for b in range(41) if inheritable >> b & 1
    }
