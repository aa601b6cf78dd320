"""A streaming tar reader that reads a layer exactly as Go's ``archive/tar`` does.

The container runtime decides what an image contains: podman and CRI-O (containers/storage),
containerd and moby all read layers with Go's ``archive/tar``. A reader that disagrees with
it on any header can be shown one file while the runtime extracts another, so this one
follows Go's ``Reader.Next`` rule for rule (read from the Go sources; the differential test
``tests/oci/test_oci_tar_podman.py`` compares it with what podman extracts):

- Every header's checksum is verified (unsigned or signed sum), whatever its magic.
- Numbers: octal after trimming spaces and NULs at both ends and cutting at the first NUL,
  or GNU base-256; every numeric field is validated, also ``mtime`` and, for ustar/GNU
  headers, the device numbers. The ustar ``prefix`` (155 bytes; 131 with a STAR trailer)
  is joined to the name; GNU headers use it only when their atime/ctime do not parse.
- PAX extended records (``x``) apply to the next entry only; a second ``x`` would replace
  the first, GNU long names (``L``) and links (``K``) override PAX ``path``/``linkpath``,
  empty PAX values keep the header's value, and only ``SCHILY.xattr.*`` become xattrs.
- PAX global records (``g``) change nothing: Go hands them over as an entry of their own
  and containers/storage ignores it. Readers that apply them (GNU tar, Python's tarfile)
  would see different files, so a global record setting an entry field is refused.
- A zero block followed by anything but a second zero block is an error; the archive may
  also end without the two zero blocks.
- PAX-format GNU sparse files (0.0, 0.1, 1.0) are regular files named by
  ``GNU.sparse.name`` with their real size; the map is validated as Go validates it, and
  the stored data must fill it exactly.
- Type ``\\0`` becomes a directory only when the name ends in ``/``; ``0`` never does.
  Other types than the seven standard ones (``7``, old GNU sparse ``S``, ...) are refused:
  containers/storage refuses to extract them.

Refused as ambiguous (readers disagree, no real writer emits them): two PAX or two GNU
long-name headers for one entry, and extended headers followed by a global one.

Why not :mod:`tarfile`: besides applying global records, it costs ~17 µs per entry against
2-5 µs here (``perf-notes.md``), and a layer scan must stay near plain decompression speed.
Checksums cost one Adler-32 per header: for an all-ASCII header the Adler-32 low
half is one plus the byte sum, exactly (512 bytes of at most 127 stay below 65521).

Bounded memory: extended headers and sparse maps are capped at 1 MiB (Go's own limit);
file data is skipped unless ``want(name, size)`` asks for it, and then only up to the
caller's cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import isal.isal_zlib as isal_zlib

from unroot.errors import InputError
from unroot.oci.limits import MAX_ID, MAX_META

BLOCK = 512

# type flags as single bytes
REG = b"0"
AREG = b"\0"
LNK = b"1"
SYM = b"2"
CHR = b"3"
BLK = b"4"
DIR = b"5"
FIFO = b"6"
CONT = b"7"
GNU_LONGNAME = b"L"
GNU_LONGLINK = b"K"
PAX_HDR = b"x"
PAX_GLOBAL = b"g"
GNU_SPARSE = b"S"

HEADER_ONLY = frozenset((LNK, SYM, CHR, BLK, DIR, FIFO))
"""Types whose data section is empty whatever their size field says (Go's rule)."""
_KNOWN = frozenset((REG, AREG, LNK, SYM, CHR, BLK, DIR, FIFO))
_ZERO = bytes(BLOCK)
_EXTENDED = (PAX_HDR, PAX_GLOBAL, GNU_LONGNAME, GNU_LONGLINK)
_OCTAL = b"01234567"
_DIGITS = b"0123456789"
_USTAR = b"ustar\x00"
_GNU = b"ustar  \x00"
_STAR_TRAILER = b"tar\x00"
_XATTR = b"SCHILY.xattr."
_PAX_PATH_KEYS = (b"path", b"linkpath", b"uname", b"gname")
_GLOBAL_HARMLESS = frozenset((b"comment", b"charset", b"hdrcharset", b"mtime", b"atime", b"ctime"))
"""PAX global keys that change no entry in any reader; any other is refused."""
_SPARSE_KEYS = (b"GNU.sparse.offset", b"GNU.sparse.numbytes")
_INT64 = 1 << 63


class TarEntry:
    """One member of the archive, with the fields a scan uses.

    ``type`` is one of ``b"0"`` (regular; ``\\0`` maps to it or to ``5``), ``1`` hardlink,
    ``2`` symlink, ``3`` char, ``4`` block, ``5`` dir, ``6`` fifo, or ``g`` for a PAX
    global header, which carries only its name (an extractor still handles that name).
    ``mode`` holds the permission and setuid/setgid/sticky bits. ``data`` holds the content
    when the caller's ``want`` predicate asked for it.
    """

    __slots__ = (
        "data",
        "devmajor",
        "devminor",
        "gid",
        "linkname",
        "mode",
        "name",
        "size",
        "type",
        "uid",
        "xattrs",
    )

    def __init__(
        self,
        name: str,
        type: bytes,
        mode: int,
        uid: int,
        gid: int,
        size: int,
        linkname: str,
        xattrs: dict[str, bytes] | None,
        devmajor: int,
        devminor: int,
        data: bytes | None = None,
    ) -> None:
        self.name = name
        self.type = type
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.linkname = linkname
        self.xattrs = xattrs
        self.devmajor = devmajor
        self.devminor = devminor
        self.data = data

    def __repr__(self) -> str:
        return f"TarEntry({self.name!r}, type={self.type!r}, mode={self.mode:o}, size={self.size})"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _nts(field: bytes) -> bytes:
    i = field.find(b"\0")
    return field if i < 0 else field[:i]


def _bad_header(what: str) -> InputError:
    return InputError(f"invalid tar header ({what})")


def parse_octal(field: bytes) -> int:
    """Go's ``parseOctal``: spaces and NULs trimmed at both ends, cut at the first NUL,
    then octal digits only (an empty field is 0)."""
    text = field.strip(b" \x00")
    nul = text.find(b"\0")
    if nul >= 0:
        text = text[:nul]
    if not text:
        return 0
    if text.translate(None, _OCTAL):
        raise _bad_header(f"number field {text[:20]!r} is not octal")
    value = int(text, 8)
    if value >> 64:
        raise _bad_header("number field overflows")
    return value - (1 << 64) if value >> 63 else value


def parse_number(field: bytes) -> int:
    """Go's ``parseNumeric``: GNU base-256 (two's complement, may be negative) or octal."""
    first = field[0]
    if not first & 0x80:
        return parse_octal(field)
    inv = 0xFF if first & 0x40 else 0
    value = 0
    for i, byte in enumerate(field):
        byte ^= inv
        if i == 0:
            byte &= 0x7F
        if value >> 56:
            raise _bad_header("base-256 number overflows")
        value = (value << 8) | byte
    if value >> 63:
        raise _bad_header("base-256 number overflows")
    return ~value if inv else value


def go_int(text: bytes) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: optional sign, decimal digits, int64 range."""
    negative = text[:1] == b"-"
    digits = text[1:] if negative or text[:1] == b"+" else text
    if not digits or digits.translate(None, _DIGITS):
        return None
    significant = digits.lstrip(b"0")
    if len(significant) > 19:
        return None
    value = int(significant or b"0")
    if negative:
        value = -value
    if value >= _INT64 or value < -_INT64:
        return None
    return value


def _checksum_ok(header: bytes) -> bool:
    """Go's rule: the checksum field (octal) equals the unsigned or the signed byte sum,
    counting the field itself as spaces."""
    try:
        stored = parse_octal(header[148:156])
    except InputError:
        return False
    field = header[148:156]
    unsigned = sum(header) - sum(field) + 8 * 32
    if stored == unsigned:
        return True
    signed = unsigned - 256 * sum(1 for b in header[:148] + header[156:] if b > 127)
    return stored == signed


_ADLER_OF: dict[bytes, int] = {}
"""Six octal checksum digits -> the Adler-32 low half an all-ASCII header with that
checksum (in the usual ``dddddd\\0 `` form) must have; filled as values are met."""


def _adler_for(digits: bytes) -> int:
    """One plus the header's byte sum: the stored value minus the eight spaces Go counts
    for the field, plus the field's own bytes (six digits, a NUL, a space), plus one; -1
    (matching nothing) for a field that is not octal."""
    if not digits.isdigit():
        return -1
    try:
        value = int(digits, 8)
    except ValueError:
        return -1
    adler = value - 8 * 32 + sum(digits) + 32 + 1
    if len(_ADLER_OF) < 1 << 17:
        _ADLER_OF[digits] = adler
    return adler


def _valid_record(key: bytes, value: bytes) -> bool:
    if not key:
        return False
    if key in _PAX_PATH_KEYS:
        return b"\0" not in value
    return b"\0" not in key


def parse_pax(payload: bytes) -> dict[bytes, bytes]:
    """Go's ``parsePAX``: ``len key=value\\n`` records; sparse 0.0 offset/numbytes pairs
    are collected into ``GNU.sparse.map``; anything malformed is an error."""
    out: dict[bytes, bytes] = {}
    sparse: list[bytes] = []
    pos = 0
    end = len(payload)
    while pos < end:
        sp = payload.find(b" ", pos)
        if sp < 0:
            raise _bad_header("malformed PAX record")
        length = go_int(payload[pos:sp])
        if length is None or length < 5 or length > end - pos:
            raise _bad_header("malformed PAX record length")
        stop = pos + length - 1
        if sp + 1 >= stop or payload[stop] != 0x0A:
            raise _bad_header("malformed PAX record")
        record = payload[sp + 1 : stop]
        eq = record.find(b"=")
        if eq < 0:
            raise _bad_header("PAX record without '='")
        key, value = record[:eq], record[eq + 1 :]
        if not _valid_record(key, value):
            raise _bad_header("invalid PAX record")
        pos += length
        if key in _SPARSE_KEYS:
            if key != _SPARSE_KEYS[len(sparse) % 2] or b"," in value:
                raise _bad_header("malformed GNU sparse record")
            sparse.append(value)
        else:
            out[key] = value
    if sparse:
        out[b"GNU.sparse.map"] = b",".join(sparse)
    return out


def _pax_time_ok(value: bytes) -> bool:
    secs, _, frac = value.partition(b".")
    if go_int(secs) is None:
        return False
    return not frac.translate(None, _DIGITS)


class _Entry:
    """What the PAX and GNU headers before one entry said (each kind at most once)."""

    __slots__ = ("gnu_link", "gnu_name", "pax")

    def __init__(self) -> None:
        self.pax: dict[bytes, bytes] | None = None
        self.gnu_name: bytes | None = None
        self.gnu_link: bytes | None = None


def _merge_pax(pax: dict[bytes, bytes], e: TarEntry) -> None:
    """Go's ``mergePAX`` over the fields a scan keeps (times are only validated)."""
    for key, value in pax.items():
        if not value:
            continue  # an empty record keeps the header's value
        if key == b"path":
            e.name = _decode(value)
        elif key == b"linkpath":
            e.linkname = _decode(value)
        elif key in (b"uid", b"gid", b"size"):
            number = go_int(value)
            if number is None:
                raise _bad_header(f"PAX {key.decode()} is not a number")
            if key == b"uid":
                e.uid = number
            elif key == b"gid":
                e.gid = number
            else:
                e.size = number
        elif key in (b"mtime", b"atime", b"ctime"):
            if not _pax_time_ok(value):
                raise _bad_header(f"PAX {key.decode()} is not a time")
        elif key.startswith(_XATTR):
            if e.xattrs is None:
                e.xattrs = {}
            e.xattrs[_decode(key[13:])] = value


def _check_ids(e: TarEntry) -> None:
    if not (0 <= e.uid <= MAX_ID and 0 <= e.gid <= MAX_ID):
        raise InputError(
            f"tar entry {e.name[:200]!r} has owner {e.uid}:{e.gid}, outside 0..{MAX_ID} "
            "(chown would store a different owner)"
        )


def _sparse_map(pax: dict[bytes, bytes]) -> tuple[bool, bool]:
    """(is sparse, map is in the data section) by Go's version rules."""
    major = pax.get(b"GNU.sparse.major", b"")
    minor = pax.get(b"GNU.sparse.minor", b"")
    if major == b"0" and minor in (b"0", b"1"):
        return True, False
    if major == b"1" and minor == b"0":
        return True, True
    if major or minor:
        return False, False  # an unknown version is a plain file to Go
    return bool(pax.get(b"GNU.sparse.map")), False


def _map_from_pax(pax: dict[bytes, bytes]) -> list[tuple[int, int]]:
    count = go_int(pax.get(b"GNU.sparse.numblocks", b""))
    if count is None or count < 0:
        raise _bad_header("GNU sparse block count")
    raw = pax.get(b"GNU.sparse.map", b"")
    parts = raw.split(b",") if raw else []
    if len(parts) != 2 * count:
        raise _bad_header("GNU sparse map does not match its block count")
    return _pairs(parts)


def _pairs(parts: list[bytes]) -> list[tuple[int, int]]:
    out = []
    for i in range(0, len(parts), 2):
        offset, length = go_int(parts[i]), go_int(parts[i + 1])
        if offset is None or length is None:
            raise _bad_header("GNU sparse map entry is not a number")
        out.append((offset, length))
    return out


def _valid_sparse(fragments: list[tuple[int, int]], size: int) -> bool:
    if size < 0:
        return False
    prev_end = 0
    for offset, length in fragments:
        if offset < 0 or length < 0 or offset > _INT64 - 1 - length:
            return False
        if offset + length > size or prev_end > offset:
            return False
        prev_end = offset + length
    return True


def iter_tar(
    chunks: Iterable[bytes],
    want: Callable[[str, int], bool] | None = None,
    max_data: int = 256 * 1024,
) -> Iterator[TarEntry]:
    """Yield the entries of the tar stream made of ``chunks`` (any sizes), in order.

    For a regular file, ``want(name, size)`` (only asked when ``size <= max_data``) decides
    whether its content is read into ``entry.data``; everything else is skipped without
    being copied. Stops at the end-of-archive marker or at the end of the input when it
    falls on a header boundary; a stream cut anywhere else is an :class:`InputError`.

    This is the hot loop of a scan (one pass per entry, ~70,000 entries per GB of /usr), so
    the common case (an all-ASCII ustar/GNU header with the usual number encoding, data
    skipped inside the current chunk) is written inline; rare cases call helpers.
    """
    it = iter(chunks)
    buf = b""
    pos = 0
    end = 0
    meta: _Entry | None = None
    ids_cache: dict[bytes, tuple[int, int, int, bool]] = {}
    fmt_cache: dict[bytes, tuple[int, int, int]] = {}
    fmt_raw = b"\xff"  # matches no header: the first one looks its format up
    fmt = (0, 0, 0)
    mtimes: set[bytes] = set()
    adler = isal_zlib.adler32
    adler_of = _ADLER_OF
    zero = _ZERO
    extended = _EXTENDED
    reg = REG
    header_only = HEADER_ONLY
    known = _KNOWN
    lnk = LNK
    sym = SYM
    dir_ = DIR
    chr_ = CHR
    blk = BLK

    # Chunks are never copied whole: when a header or wanted data straddles a chunk
    # boundary, only the bytes needed are joined, and the rest of the chunk is resumed from.
    resume: bytes | None = None
    resume_pos = 0

    def pull() -> bool:
        nonlocal buf, pos, end, resume
        if resume is not None:
            buf, pos, resume = resume, resume_pos, None
        else:
            chunk = next(it, None)
            if chunk is None:
                return False
            buf, pos = chunk, 0
        end = len(buf)
        return True

    def more(need: int) -> bool:
        """Make ``buf[pos:pos+need]`` contiguous; False (nothing consumed) if input ends."""
        nonlocal buf, pos, end, resume, resume_pos
        parts = [buf[pos:end]]
        have = end - pos
        while have < need:
            if not pull():
                buf = b"".join(parts)
                pos, end = 0, len(buf)
                return False
            take = min(need - have, end - pos)
            parts.append(buf[pos : pos + take])
            pos += take
            have += take
        if pos < end:
            resume, resume_pos = buf, pos
        buf = b"".join(parts)
        pos, end = 0, len(buf)
        return True

    def skip(padded: int) -> None:
        nonlocal pos
        left = padded - (end - pos)
        while True:
            if not pull():
                raise InputError("tar stream is truncated inside a member's data")
            avail = end - pos
            if avail >= left:
                pos += left
                return
            left -= avail

    def read_exact(n: int, padded: int) -> bytes:
        nonlocal pos
        if pos + padded > end and not more(padded):
            raise InputError("tar stream is truncated inside a member's data")
        out = buf[pos : pos + n]
        pos += padded
        return out

    def advance(padded: int) -> None:
        nonlocal pos
        if pos + padded <= end:
            pos += padded
        else:
            skip(padded)

    def next_block() -> bytes | None:
        nonlocal pos
        if end - pos < BLOCK and not more(BLOCK):
            if end == 0:
                return None
            raise InputError("tar stream is truncated inside a header")
        block = buf[pos : pos + BLOCK]
        pos += BLOCK
        return block

    while True:
        if end - pos >= BLOCK:
            header = buf[pos : pos + BLOCK]
            pos += BLOCK
        else:
            block = next_block()
            if block is None:
                return  # the input ends on a header boundary (Go: io.EOF)
            header = block
        if header[0] == 0 and header == zero:
            second = next_block()
            if second is not None and second != zero:
                raise _bad_header("a zero block is followed by data")
            return

        # The checksum, cheaply (see the module docstring): for the usual "dddddd\0 " field,
        # a table (learnt as values are met) gives the Adler-32 low half the header must have.
        digits = header[148:154]
        if not (
            header[154] == 0
            and header[155] == 32
            and adler(header) & 0xFFFF == (adler_of.get(digits) or _adler_for(digits))
            and header.isascii()
        ) and not _checksum_ok(header):
            raise InputError("tar header checksum mismatch (not a tar stream or corrupt)")

        typ = header[156:157]
        # size and mtime: the usual 11 octal digits and a NUL are read directly (mtimes
        # repeat within a layer, so a valid one is remembered); anything else the Go way
        raw_size = header[124:135]
        mtime = header[136:148]
        if header[135] == 0 and raw_size.isdigit() and mtime in mtimes:
            try:
                size = int(raw_size, 8)
            except ValueError:  # an 8 or a 9
                size = parse_number(header[124:136])
        else:
            size = parse_number(header[124:136])
            parse_number(mtime)  # Go rejects a malformed mtime
            if len(mtimes) < 4096:
                mtimes.add(mtime)
        raw = header[100:124]
        ids = ids_cache.get(raw)
        if ids is None:
            uid = parse_number(raw[8:16])
            gid = parse_number(raw[16:24])
            ids = (
                parse_number(raw[:8]) & 0o7777,
                uid,
                gid,
                0 <= uid <= MAX_ID and 0 <= gid <= MAX_ID,
            )
            if len(ids_cache) < 4096:
                ids_cache[raw] = ids
        mode, uid, gid, ids_ok = ids

        # magic, version, owner names and device numbers: within a layer nearly always the
        # bytes of the header before, else one cache lookup gives the format and devices
        if not header.startswith(fmt_raw, 257):
            fmt_raw = header[257:345]
            known_fmt = fmt_cache.get(fmt_raw)
            if known_fmt is None:
                known_fmt = _format(fmt_raw)
                if len(fmt_cache) < 1024:
                    fmt_cache[fmt_raw] = known_fmt
            fmt = known_fmt
        devmajor = devminor = 0
        prefix = b""
        fmt_kind = fmt[0]
        if fmt_kind:
            if typ == chr_ or typ == blk:  # noqa: SIM109 - two compares beat a tuple
                devmajor = fmt[1]
                devminor = fmt[2]
            if fmt_kind == 1:
                if header[345] or header[508] == 0x74:
                    prefix = _ustar_prefix(header)
            elif header[345] or header[357]:
                prefix = _gnu_prefix(header)

        if size < 0 and typ not in header_only:
            raise _bad_header("negative size")

        if typ in extended:
            if size > MAX_META:
                kind = "PAX" if typ in (PAX_HDR, PAX_GLOBAL) else "GNU long name"
                raise InputError(f"{kind} header of {size} bytes exceeds the {MAX_META} limit")
            payload = read_exact(size, (size + 511) & ~511)
            if typ == PAX_GLOBAL:
                if meta is not None:
                    raise InputError(
                        "a PAX global header follows an entry's extended header "
                        "(readers disagree on which applies)"
                    )
                records = parse_pax(payload)
                for key_ in records:
                    if key_ not in _GLOBAL_HARMLESS:
                        raise InputError(
                            f"PAX global header sets {_decode(key_)[:60]!r}, which some "
                            "readers apply to later entries and the container runtime "
                            "ignores (ambiguous)"
                        )
                name_b = _nts(header[:100])
                name = _decode(prefix + b"/" + name_b if prefix else name_b)
                yield TarEntry(name, PAX_GLOBAL, mode, uid, gid, 0, "", None, 0, 0)
                continue
            if meta is None:
                meta = _Entry()
            if typ == PAX_HDR:
                if meta.pax is not None:
                    raise InputError(
                        "two PAX headers for one tar entry (readers disagree on which applies)"
                    )
                meta.pax = parse_pax(payload)
            elif typ == GNU_LONGNAME:
                if meta.gnu_name is not None:
                    raise InputError("two GNU long-name headers for one tar entry (ambiguous)")
                meta.gnu_name = _nts(payload)
            else:
                if meta.gnu_link is not None:
                    raise InputError("two GNU long-link headers for one tar entry (ambiguous)")
                meta.gnu_link = _nts(payload)
            continue

        i = header.find(b"\0", 0, 100)
        name_b = header[:i] if i >= 0 else header[:100]
        if prefix:
            name_b = prefix + b"/" + name_b
        name = name_b.decode("utf-8", "surrogateescape")
        linkname = ""
        if typ == sym or typ == lnk:  # noqa: SIM109
            linkname = _decode(_nts(header[157:257]))

        if meta is None:
            if typ == reg or typ == dir_:  # noqa: SIM109 - two compares beat a tuple
                entry = TarEntry(name, typ, mode, uid, gid, size, linkname, None, 0, 0)
                if typ == dir_:
                    entry.size = 0
                elif size <= max_data and want is not None and want(name, size):
                    padded = (size + 511) & ~511
                    entry.data = read_exact(size, padded) if size else b""
                else:
                    padded = (size + 511) & ~511
                    if pos + padded <= end:
                        pos += padded
                    else:
                        skip(padded)
                if not ids_ok:
                    _check_ids(entry)
                yield entry
                continue
            entry = TarEntry(name, typ, mode, uid, gid, size, linkname, None, devmajor, devminor)
            pax: dict[bytes, bytes] | None = None
        else:
            entry = TarEntry(name, typ, mode, uid, gid, size, linkname, None, devmajor, devminor)
            pax = meta.pax
            if pax:
                _merge_pax(pax, entry)
            if meta.gnu_name:
                entry.name = _decode(meta.gnu_name)
            if meta.gnu_link:
                entry.linkname = _decode(meta.gnu_link)
            meta = None

        if typ == AREG:
            typ = dir_ if entry.name.endswith("/") else reg
            entry.type = typ
        if typ not in known:
            raise InputError(
                f"tar entry {entry.name[:200]!r} has type {typ!r}, which container "
                "runtimes refuse to extract"
            )
        _check_ids(entry)
        size = entry.size
        sparse = bool(pax) and _sparse_map(pax)[0]  # type: ignore[arg-type]
        if typ in header_only:
            if sparse:
                raise _bad_header(f"{entry.name[:200]!r} has a sparse map but no data")
            entry.size = 0
            yield entry
            continue
        if size < 0:
            raise _bad_header("negative size")
        if sparse:
            _read_sparse(entry, pax, read_exact, advance, want, max_data)  # type: ignore[arg-type]
            yield entry
            continue
        padded = (size + 511) & ~511
        if size <= max_data and want is not None and want(entry.name, size):
            entry.data = read_exact(size, padded) if size else b""
        elif pos + padded <= end:
            pos += padded
        else:
            skip(padded)
        yield entry


def _format(raw: bytes) -> tuple[int, int, int]:
    """(0 V7 / 1 ustar or STAR / 2 GNU, devmajor, devminor) from header bytes 257-344; Go
    parses the device numbers of every ustar or GNU header, so bad ones are errors."""
    if raw[:6] == _USTAR:
        kind = 1
    elif raw[:8] == _GNU:
        kind = 2
    else:
        return (0, 0, 0)
    return (kind, parse_number(raw[72:80]), parse_number(raw[80:88]))


def _ustar_prefix(header: bytes) -> bytes:
    """The prefix of a ustar header; with a STAR trailer (``tar\\0``) it is 131 bytes,
    followed by atime and ctime, which Go parses (and so validates)."""
    if header[508:512] == _STAR_TRAILER:
        parse_number(header[476:488])
        parse_number(header[488:500])
        return _nts(header[345:476])
    return _nts(header[345:500])


def _gnu_prefix(header: bytes) -> bytes:
    """GNU headers keep atime/ctime where ustar has its prefix; Go reads the field as a
    prefix (pre-Go 1.8 writers put one there) only when the times do not parse."""
    try:
        if header[345]:
            parse_number(header[345:357])
        if header[357]:
            parse_number(header[357:369])
    except InputError:
        text = _nts(header[345:500])
        return text if text.isascii() else b""
    return b""


def _read_sparse(
    entry: TarEntry,
    pax: dict[bytes, bytes],
    read_exact: Callable[[int, int], bytes],
    advance: Callable[[int], None],
    want: Callable[[str, int], bool] | None,
    max_data: int,
) -> None:
    """A PAX-format GNU sparse file: name and real size from the records, the map from the
    records (0.x) or the head of the data (1.0), checked as Go checks it; the stored data
    must be exactly the mapped fragments. Content is rebuilt when wanted."""
    _, map_in_data = _sparse_map(pax)
    physical = entry.size
    sparse_name = pax.get(b"GNU.sparse.name")
    if sparse_name:
        entry.name = _decode(sparse_name)
    real = pax.get(b"GNU.sparse.size") or pax.get(b"GNU.sparse.realsize")
    if real:
        size = go_int(real)
        if size is None:
            raise _bad_header("GNU sparse size is not a number")
        entry.size = size
    used = 0
    if map_in_data:
        fragments, used = _map_from_data(read_exact, physical)
    else:
        fragments = _map_from_pax(pax)
    if not _valid_sparse(fragments, entry.size):
        raise _bad_header("GNU sparse map is out of order or past the file's size")
    dense = physical - used
    if sum(length for _, length in fragments) != dense:
        raise InputError(f"sparse file {entry.name[:200]!r}: stored data does not fill its map")
    padded = ((physical + 511) & ~511) - used
    if 0 <= entry.size <= max_data and want is not None and want(entry.name, entry.size):
        data = read_exact(dense, padded)
        out = bytearray(entry.size)
        at = 0
        for offset, length in fragments:
            out[offset : offset + length] = data[at : at + length]
            at += length
        entry.data = bytes(out)
    else:
        advance(padded)


def _map_from_data(
    read_exact: Callable[[int, int], bytes], physical: int
) -> tuple[list[tuple[int, int]], int]:
    """Sparse format 1.0: newline-separated decimals in whole blocks at the data's head
    (count, then offset/length pairs); returns the map and the bytes it used."""
    text = b""
    used = 0
    need = 1
    tokens: list[bytes] = []
    while True:
        while text.count(b"\n") < need:
            if used + BLOCK > physical or used >= MAX_META:
                raise _bad_header("GNU sparse map is truncated or too large")
            text += read_exact(BLOCK, BLOCK)
            used += BLOCK
        tokens = text.split(b"\n")
        if need == 1:
            count = go_int(tokens[0])
            if count is None or count < 0:
                raise _bad_header("GNU sparse block count")
            need = 1 + 2 * count
            if 2 * count > MAX_META:
                raise _bad_header("GNU sparse map is too large")
            continue
        break
    return _pairs(tokens[1:need]), used


__all__ = [
    "BLK",
    "CHR",
    "DIR",
    "FIFO",
    "HEADER_ONLY",
    "LNK",
    "MAX_META",
    "PAX_GLOBAL",
    "REG",
    "SYM",
    "TarEntry",
    "go_int",
    "iter_tar",
    "parse_number",
    "parse_octal",
    "parse_pax",
]
