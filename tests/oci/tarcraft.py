"""Hand-made tar members, byte by byte, for reader tests that tarfile cannot write.

:mod:`tarfile` normalises what it writes (it picks the format, encodes numbers one way, never
writes a PAX global header before an ordinary member on request, never mixes GNU long names
with PAX paths). Hostile and odd layers need exactly those things, so each field here is
given as raw bytes or formatted on request, and the checksum is computed last (or spoiled
on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass, field

BLOCK = 512
USTAR = (b"ustar\x00", b"00")
GNU = (b"ustar ", b" \x00")
V7 = (b"\x00" * 6, b"\x00\x00")


def octal(value: int, width: int) -> bytes:
    """The usual encoding: zero-padded octal digits and a NUL in ``width`` bytes."""
    return f"{value:0{width - 1}o}".encode() + b"\x00"


def base256(value: int, width: int) -> bytes:
    """GNU's binary encoding (two's complement, first byte flagged with 0x80)."""
    raw = (value % (1 << (8 * width))).to_bytes(width, "big")
    return bytes([raw[0] | 0x80]) + raw[1:]


def _field(value: bytes | int, width: int) -> bytes:
    raw = octal(value, width) if isinstance(value, int) else value
    if len(raw) > width:
        raise ValueError(f"field {raw!r} is wider than {width}")
    return raw.ljust(width, b"\x00")


@dataclass
class Header:
    """One 512-byte header; numbers are ints (octal) or raw bytes (exactly as stored)."""

    name: bytes
    typeflag: bytes = b"0"
    size: bytes | int = 0
    mode: bytes | int = 0o644
    uid: bytes | int = 0
    gid: bytes | int = 0
    mtime: bytes | int = 0
    linkname: bytes = b""
    magic: tuple[bytes, bytes] = USTAR
    uname: bytes = b""
    gname: bytes = b""
    devmajor: bytes | int = 0
    devminor: bytes | int = 0
    prefix: bytes = b""
    tail: bytes = b""
    """Bytes 500-511 (STAR's atime/ctime trailer lives here)."""
    checksum: bytes | None = None
    """Raw checksum field; None computes the right one."""
    spoil_checksum: bool = False

    def encode(self) -> bytes:
        block = bytearray(BLOCK)
        block[0:100] = _field(self.name, 100)
        block[100:108] = _field(self.mode, 8)
        block[108:116] = _field(self.uid, 8)
        block[116:124] = _field(self.gid, 8)
        block[124:136] = _field(self.size, 12)
        block[136:148] = _field(self.mtime, 12)
        block[148:156] = b" " * 8
        block[156:157] = self.typeflag
        block[157:257] = _field(self.linkname, 100)
        block[257:263] = self.magic[0]
        block[263:265] = self.magic[1]
        block[265:297] = _field(self.uname, 32)
        block[297:329] = _field(self.gname, 32)
        block[329:337] = _field(self.devmajor, 8)
        block[337:345] = _field(self.devminor, 8)
        block[345:500] = _field(self.prefix, 155)
        block[500:512] = _field(self.tail, 12)
        if self.checksum is not None:
            block[148:156] = self.checksum.ljust(8, b"\x00")
        else:
            total = sum(block)
            if self.spoil_checksum:
                total += 1
            block[148:156] = f"{total:06o}".encode() + b"\x00 "
        return bytes(block)


def pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % BLOCK)


def pax_records(records: list[tuple[bytes, bytes]]) -> bytes:
    """``len key=value\\n`` records with the self-counting length."""
    out = []
    for key, value in records:
        body = b" " + key + b"=" + value + b"\n"
        n = len(body) + 1
        while len(str(n).encode()) + len(body) != n:
            n += 1
        out.append(str(n).encode() + body)
    return b"".join(out)


@dataclass
class Member:
    """A header plus its data; ``extra`` are meta members (PAX, GNU) written before it."""

    header: Header
    data: bytes = b""
    extra: list[Member] = field(default_factory=list)

    def encode(self) -> bytes:
        return b"".join(m.encode() for m in self.extra) + self.header.encode() + pad(self.data)


def meta(typeflag: bytes, payload: bytes, name: bytes = b"././@LongLink") -> Member:
    """A PAX (``x``/``g``) or GNU long-name (``L``/``K``) member carrying ``payload``."""
    magic = GNU if typeflag in (b"L", b"K") else USTAR
    return Member(Header(name, typeflag, size=len(payload), magic=magic), payload)


def pax(records: list[tuple[bytes, bytes]], *, global_: bool = False) -> Member:
    name = b"pax_global_header" if global_ else b"PaxHeaders/x"
    return meta(b"g" if global_ else b"x", pax_records(records), name)


def archive(*members: Member, end: bytes = bytes(2 * BLOCK)) -> bytes:
    return b"".join(m.encode() for m in members) + end


def regular(name: bytes, data: bytes = b"", **kw: object) -> Member:
    return Member(Header(name, b"0", size=len(data), **kw), data)  # type: ignore[arg-type]
