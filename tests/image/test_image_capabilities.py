"""Decoder of security.capability, checked against bytes built from capability numbers."""

import re
import struct
from pathlib import Path

import pytest

from unroot.image.capabilities import CAPABILITY_NAMES, MalformedCapability, decode

REV1, REV2, REV3 = 0x01000000, 0x02000000, 0x03000000
EFFECTIVE = 0x000001
CHOWN, NET_BIND_SERVICE, NET_RAW, SYS_ADMIN = 0, 10, 13, 21
SETFCAP, BPF, CHECKPOINT_RESTORE = 31, 39, 40


def v2(
    permitted: list[int], inheritable: tuple[int, ...] | list[int] = (), effective: bool = True
) -> bytes:
    p = sum(1 << n for n in permitted)
    i = sum(1 << n for n in inheritable)
    magic = REV2 | (EFFECTIVE if effective else 0)
    return struct.pack("<5I", magic, p & 0xFFFFFFFF, i & 0xFFFFFFFF, p >> 32, i >> 32)


def test_v2_single_capability_effective() -> None:
    caps = decode(v2([NET_BIND_SERVICE]))
    assert caps.revision == 2
    assert caps.effective
    assert caps.permitted == ("CAP_NET_BIND_SERVICE",)
    assert caps.inheritable == ()
    assert caps.rootid is None
    assert caps.text() == "cap_net_bind_service=ep"


def test_v2_high_word_and_inheritable() -> None:
    caps = decode(v2([CHOWN, SETFCAP, BPF, CHECKPOINT_RESTORE], [NET_RAW], effective=False))
    assert caps.permitted == ("CAP_CHOWN", "CAP_SETFCAP", "CAP_BPF", "CAP_CHECKPOINT_RESTORE")
    assert caps.inheritable == ("CAP_NET_RAW",)
    assert not caps.effective


def test_v3_rootid() -> None:
    raw = struct.pack("<6I", REV3 | EFFECTIVE, 1 << SYS_ADMIN, 0, 0, 0, 100000)
    caps = decode(raw)
    assert (caps.revision, caps.permitted, caps.rootid) == (3, ("CAP_SYS_ADMIN",), 100000)


def test_v1() -> None:
    caps = decode(struct.pack("<3I", REV1, 1 << NET_RAW, 0))
    assert caps.revision == 1 and caps.permitted == ("CAP_NET_RAW",)


def test_unknown_bits_get_numbered_names() -> None:
    assert decode(v2([45])).permitted == ("CAP_45",)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x00\x00\x02",  # v2 header only
        v2([1]) + b"\x00",  # too long
        struct.pack("<5I", 0x04000000, 0, 0, 0, 0),  # unknown revision
        struct.pack("<5I", REV2 | 0x10, 0, 0, 0, 0),  # unknown flag
        struct.pack("<5I", REV3, 0, 0, 0, 0),  # v3 needs 24 bytes
    ],
)
def test_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedCapability):
        decode(raw)


HEADER = Path("/usr/include/linux/capability.h")


@pytest.mark.skipif(not HEADER.exists(), reason="linux/capability.h (linux-libc-dev) not installed")
def test_names_match_the_kernel_header() -> None:
    defined = {
        int(num): name
        for name, num in re.findall(
            r"#define\s+(CAP_[A-Z_]+)\s+(\d+)\s*$", HEADER.read_text(), re.M
        )
        if name not in {"CAP_LAST_CAP"}
    }
    assert len(defined) > 30, "header format not understood"
    for number, name in defined.items():
        if number < len(CAPABILITY_NAMES):
            assert CAPABILITY_NAMES[number] == name
