"""The hand-written tar reader against :mod:`tarfile` on ordinary archives, at any chunking.

On the archives tarfile writes, Go's ``archive/tar`` (the runtime's reader, which this one
follows) and tarfile agree, except that Go drops empty PAX values and hands a global header
over as an entry of its own. Where they disagree on odd archives, Go wins: those cases are
in ``test_oci_tar_go.py`` and, against podman itself, ``test_oci_tar_podman.py``.
"""

from __future__ import annotations

import io
import tarfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unroot.errors import InputError
from unroot.oci import tarstream
from unroot.oci.tarstream import iter_tar

_NORMAL_TYPE = {
    tarfile.REGTYPE: b"0",
    tarfile.AREGTYPE: b"0",
    tarfile.CONTTYPE: b"0",
    tarfile.LNKTYPE: b"1",
    tarfile.SYMTYPE: b"2",
    tarfile.CHRTYPE: b"3",
    tarfile.BLKTYPE: b"4",
    tarfile.DIRTYPE: b"5",
    tarfile.FIFOTYPE: b"6",
}

component = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
    min_size=1,
    max_size=40,
).filter(lambda s: s not in (".", ".."))
path = st.lists(component, min_size=1, max_size=8).map("/".join)
long_path = st.lists(st.text("abcdefgh", min_size=30, max_size=60), min_size=3, max_size=6).map(
    "/".join
)
xattr_key = st.sampled_from(["security.capability", "user.x", "trusted.overlay.opaque", "user.é"])
xattrs = st.dictionaries(xattr_key, st.binary(min_size=0, max_size=40), max_size=3)
ids = st.one_of(st.integers(0, 70000), st.integers(0, 2**32 - 2))


@st.composite
def members(draw: st.DrawFn) -> dict[str, object]:
    kind = draw(st.sampled_from(["file", "file", "dir", "symlink", "hardlink", "fifo", "char"]))
    return {
        "name": draw(st.one_of(path, long_path)),
        "kind": kind,
        "mode": draw(st.integers(0, 0o7777)),
        "uid": draw(ids),
        "gid": draw(ids),
        "data": draw(st.binary(max_size=3000)) if kind == "file" else b"",
        "link": draw(st.one_of(path, long_path)) if kind in ("symlink", "hardlink") else "",
        "xattrs": draw(xattrs),
        "dev": (draw(st.integers(0, 255)), draw(st.integers(0, 255))),
    }


_KINDS = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "fifo": tarfile.FIFOTYPE,
    "char": tarfile.CHRTYPE,
}


def build(specs: list[dict[str, object]], fmt: int, global_pax: bool) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, object] = {"format": fmt}
    if global_pax and fmt == tarfile.PAX_FORMAT:
        kwargs["pax_headers"] = {"comment": "global header"}
    with tarfile.open(fileobj=buf, mode="w", **kwargs) as tf:  # type: ignore[call-overload]
        for spec in specs:
            info = tarfile.TarInfo(str(spec["name"]))
            info.type = _KINDS[str(spec["kind"])]
            info.mode = int(spec["mode"])  # type: ignore[call-overload]
            info.uid = int(spec["uid"])  # type: ignore[call-overload]
            info.gid = int(spec["gid"])  # type: ignore[call-overload]
            info.linkname = str(spec["link"])
            info.devmajor, info.devminor = spec["dev"]  # type: ignore[misc]
            data = spec["data"]
            assert isinstance(data, bytes)
            info.size = len(data)
            if fmt == tarfile.PAX_FORMAT and spec["xattrs"]:
                xa = spec["xattrs"]
                assert isinstance(xa, dict)
                info.pax_headers = {
                    f"SCHILY.xattr.{k}": v.decode("utf-8", "surrogateescape") for k, v in xa.items()
                }
            tf.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def expected(data: bytes) -> list[tuple[object, ...]]:
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
        for m in tf:
            xa = {
                k[len("SCHILY.xattr.") :]: v.encode("utf-8", "surrogateescape")
                for k, v in m.pax_headers.items()
                if k.startswith("SCHILY.xattr.") and v  # Go ignores empty PAX values
            }
            content = tf.extractfile(m).read() if m.isreg() else None  # type: ignore[union-attr]
            link = m.linkname if m.type in (tarfile.LNKTYPE, tarfile.SYMTYPE) else ""
            dev = (
                (m.devmajor, m.devminor) if m.type in (tarfile.CHRTYPE, tarfile.BLKTYPE) else (0, 0)
            )
            typ = _NORMAL_TYPE[m.type]
            out.append(
                (m.name.rstrip("/"), typ, m.mode, m.uid, m.gid, m.size, link, xa, dev, content)
            )
    return out


def actual(data: bytes, size: int) -> list[tuple[object, ...]]:
    out = []
    for e in iter_tar(chunked(data, size), want=lambda n, s: True, max_data=1 << 30):
        if e.type == tarstream.PAX_GLOBAL:
            continue  # tarfile consumes a global header; Go returns it as an entry
        content = e.data if e.type == b"0" else None
        if e.type == b"0" and content is None:
            content = b""
        name = e.name.rstrip("/") if e.type == tarstream.DIR else e.name
        out.append(
            (name, e.type, e.mode, e.uid, e.gid, e.size, e.linkname, e.xattrs or {},
             (e.devmajor, e.devminor), content)
        )  # fmt: skip
    return out


chunk_sizes = st.one_of(
    st.sampled_from([1, 511, 512, 513, 1024, 4096, 65536, 256 * 1024, 4 << 20]),
    st.integers(1, 4 << 20),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(members(), min_size=0, max_size=12),
    fmt=st.sampled_from([tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT]),
    global_pax=st.booleans(),
    size=chunk_sizes,
)
def test_matches_tarfile(
    specs: list[dict[str, object]], fmt: int, global_pax: bool, size: int
) -> None:
    global_pax = global_pax and bool(specs)  # tarfile cannot read a lone global header
    try:
        data = build(specs, fmt, global_pax)
    except ValueError:
        return  # ustar cannot hold this name or id: nothing to compare
    assert actual(data, size) == expected(data)


@settings(max_examples=60, deadline=None)
@given(
    specs=st.lists(members(), min_size=1, max_size=6), size=chunk_sizes, cut=st.integers(1, 10_000)
)
def test_truncation_is_input_error(specs: list[dict[str, object]], size: int, cut: int) -> None:
    data = build(specs, tarfile.PAX_FORMAT, False)
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        last = tf.getmembers()[-1]
    end = last.offset_data + ((last.size + 511) & ~511)  # where the end-of-archive blocks start
    cut = cut % end
    if cut % 512 == 0:
        cut += 1  # a cut on a header boundary is a (short) valid archive
    with pytest.raises(InputError):
        list(iter_tar(chunked(data[:cut], size)))


def test_data_is_skipped_unless_wanted() -> None:
    specs = [
        {"name": f"f{i}", "kind": "file", "mode": 0o644, "uid": 0, "gid": 0,
         "data": bytes([i]) * (1000 + i), "link": "", "xattrs": {}, "dev": (0, 0)}
        for i in range(5)
    ]  # fmt: skip
    data = build(specs, tarfile.PAX_FORMAT, False)
    asked: list[tuple[str, int]] = []

    def want(name: str, size: int) -> bool:
        asked.append((name, size))
        return name == "f2"

    got = {e.name: e.data for e in iter_tar(chunked(data, 777), want=want, max_data=1500)}
    assert got["f2"] == bytes([2]) * 1002
    assert [v for k, v in got.items() if k != "f2"] == [None] * 4
    assert asked == [(f"f{i}", 1000 + i) for i in range(5)]


def test_files_above_cap_are_not_offered() -> None:
    specs = [{"name": "big", "kind": "file", "mode": 0o644, "uid": 0, "gid": 0,
              "data": b"x" * 5000, "link": "", "xattrs": {}, "dev": (0, 0)}]  # fmt: skip
    data = build(specs, tarfile.PAX_FORMAT, False)
    entries = list(iter_tar([data], want=lambda n, s: True, max_data=4096))
    assert entries[0].data is None and entries[0].size == 5000


def _pax_member(payload_size: int) -> bytes:
    info = tarfile.TarInfo("x")
    info.pax_headers = {"comment": "y" * payload_size}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        tf.addfile(info)
    return buf.getvalue()


def test_oversized_pax_header_is_rejected() -> None:
    data = _pax_member(tarstream.MAX_META + 10)
    with pytest.raises(InputError, match=r"PAX header of .* exceeds"):
        list(iter_tar(chunked(data, 65536)))


def test_pax_header_just_under_limit_is_fine() -> None:
    data = _pax_member(tarstream.MAX_META - 100)
    assert [e.name for e in iter_tar(chunked(data, 65536))] == ["x"]


def test_negative_base256_size_is_rejected() -> None:
    info = tarfile.TarInfo("neg")
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    header[124:136] = b"\xff" * 12
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header[:512])
    with pytest.raises(InputError, match="negative"):
        list(iter_tar([bytes(header) + bytes(1024)]))


def test_absurd_pax_size_is_rejected() -> None:
    info = tarfile.TarInfo("huge")
    info.pax_headers = {"size": str(1 << 60)}
    data = info.tobuf(format=tarfile.PAX_FORMAT)
    with pytest.raises(InputError):
        list(iter_tar([data + bytes(1024)]))


def test_garbage_is_not_a_tar() -> None:
    with pytest.raises(InputError, match="checksum"):
        list(iter_tar([b"hello world, this is not a tar" * 40]))


def test_empty_stream_has_no_entries() -> None:
    assert list(iter_tar([])) == []
    assert list(iter_tar([bytes(1024)])) == []


def test_only_schily_xattrs_count() -> None:
    """Go's reader (so the runtime) turns only ``SCHILY.xattr.*`` into xattrs: bsdtar's
    ``LIBARCHIVE.xattr.*`` form is not extracted, so it must not be reported either."""
    info = tarfile.TarInfo("ping")
    info.pax_headers = {
        "LIBARCHIVE.xattr.security.capability": "AQAAAgAgAAAAAAAAAAAAAAAAAAA",
        "SCHILY.xattr.user.a": "x",
    }
    data = info.tobuf(format=tarfile.PAX_FORMAT) + bytes(1024)
    (entry,) = list(iter_tar([data]))
    assert entry.xattrs == {"user.a": b"x"}
