"""Go ``archive/tar`` rules the reader follows, one by one, without podman.

Each expectation is what Go's reader returns for the archive (read from its sources);
``test_oci_tar_podman.py`` checks the same kinds of archives against podman itself.
"""

from __future__ import annotations

import pytest
from tarcraft import GNU, V7, Header, Member, archive, base256, meta, pax, regular

from unroot.errors import InputError
from unroot.oci import tarstream
from unroot.oci.limits import Limits
from unroot.oci.tarstream import TarEntry, iter_tar, parse_number, parse_pax


def entries(data: bytes, chunk: int = 700) -> list[TarEntry]:
    parts = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    return [e for e in iter_tar(parts, want=lambda n, s: True) if e.type != tarstream.PAX_GLOBAL]


def one(data: bytes) -> TarEntry:
    (entry,) = entries(data)
    return entry


def test_octal_fields_are_trimmed_of_nuls_and_spaces_at_both_ends() -> None:
    assert parse_number(b"\x00\x00\x004755\x00") == 0o4755
    assert parse_number(b"  4755 \x00") == 0o4755
    assert parse_number(b"12\x00zz\x00\x00\x00") == 0o12  # cut at the first NUL
    assert parse_number(b"\x00" * 8) == 0
    for bad in (
        b"+755\x00\x00\x00\x00",
        b"7_55\x00\x00\x00\x00",
        b"0o755\x00\x00\x00",
        b"12 34\x00\x00\x00",
    ):
        with pytest.raises(InputError):
            parse_number(bad)


def test_base256_fields() -> None:
    assert parse_number(base256(70000, 8)) == 70000
    assert parse_number(base256(-1, 8)) == -1
    assert parse_number(bytes([0x81]) + bytes(7)) == 1 << 56


def test_a_mode_with_leading_nuls_keeps_its_setuid_bit() -> None:
    entry = one(archive(Member(Header(b"su", mode=b"\x00\x00\x004755\x00"))))
    assert entry.mode == 0o4755


def test_every_header_checksum_is_verified() -> None:
    good = regular(b"a")
    with pytest.raises(InputError, match="checksum"):
        entries(archive(good, Member(Header(b"evil", mode=0o4755, spoil_checksum=True))))
    signed = Header(b"caf\xe9", mode=0o644)  # a byte above 127: the signed sum also counts
    assert one(archive(Member(signed))).name == "caf\udce9"


def test_gnu_long_name_wins_over_pax_path_in_either_order() -> None:
    for extra in (
        [meta(b"L", b"usr/bin/evil\x00"), pax([(b"path", b"decoy")])],
        [pax([(b"path", b"decoy")]), meta(b"L", b"usr/bin/evil\x00")],
    ):
        assert one(archive(Member(Header(b"short", mode=0o4755), extra=extra))).name == (
            "usr/bin/evil"
        )


def test_gnu_long_link_wins_over_pax_linkpath() -> None:
    extra = [meta(b"K", b"real/target\x00"), pax([(b"linkpath", b"decoy")])]
    entry = one(archive(Member(Header(b"l", b"2", linkname=b"x"), extra=extra)))
    assert entry.linkname == "real/target"


def test_global_records_change_nothing_and_entry_fields_in_them_are_refused() -> None:
    harmless = pax([(b"comment", b"git commit"), (b"mtime", b"1.5")], global_=True)
    assert [e.name for e in entries(archive(harmless, regular(b"a", mode=0o4755)))] == ["a"]
    for key in (b"path", b"size", b"uid", b"SCHILY.xattr.security.capability"):
        with pytest.raises(InputError, match="PAX global header sets"):
            entries(archive(pax([(key, b"1")], global_=True), regular(b"a")))


def test_a_global_header_is_handed_over_as_an_entry_of_its_own() -> None:
    raw = list(iter_tar([archive(pax([(b"comment", b"c")], global_=True), regular(b"a"))]))
    assert [(e.name, e.type) for e in raw] == [("pax_global_header", b"g"), ("a", b"0")]


def test_two_extended_headers_of_a_kind_for_one_entry_are_refused() -> None:
    with pytest.raises(InputError, match="two PAX headers"):
        entries(
            archive(Member(Header(b"a"), extra=[pax([(b"path", b"x")]), pax([(b"path", b"y")])]))
        )
    with pytest.raises(InputError, match="two GNU long-name"):
        entries(
            archive(Member(Header(b"a", magic=GNU), extra=[meta(b"L", b"x\0"), meta(b"L", b"y\0")]))
        )


def test_an_empty_pax_value_keeps_the_headers() -> None:
    entry = one(
        archive(Member(Header(b"kept", uid=5), extra=[pax([(b"path", b""), (b"uid", b"")])]))
    )
    assert (entry.name, entry.uid) == ("kept", 5)


def test_only_type_nul_with_a_slash_is_a_directory() -> None:
    assert one(archive(Member(Header(b"d/", b"\x00")))).type == tarstream.DIR
    file = one(archive(Member(Header(b"f/", b"0", mode=0o4755))))
    assert file.type == tarstream.REG and file.mode == 0o4755


@pytest.mark.parametrize("flag", [b"7", b"S", b"V", b"Z", b"9"])
def test_types_the_runtime_cannot_extract_are_refused(flag: bytes) -> None:
    with pytest.raises(InputError, match="refuse to extract"):
        entries(archive(Member(Header(b"x", flag, size=1, magic=GNU), b"z")))


def test_zero_block_followed_by_data_is_an_error_and_end_without_blocks_is_fine() -> None:
    with pytest.raises(InputError, match="zero block is followed by data"):
        entries(archive(regular(b"a"), end=bytes(512) + Header(b"b").encode()))
    assert [e.name for e in entries(archive(regular(b"a"), end=b""))] == ["a"]
    assert [e.name for e in entries(archive(regular(b"a"), end=bytes(512)))] == ["a"]


def test_metadata_before_the_end_is_dropped() -> None:
    assert [e.name for e in entries(archive(regular(b"a"), pax([(b"path", b"b")])))] == ["a"]


def test_ustar_star_and_gnu_prefixes() -> None:
    ustar = one(archive(Member(Header(b"name", prefix=b"pre/fix"))))
    assert ustar.name == "pre/fix/name"
    star_field = b"star/dir".ljust(131, b"\0") + b"00000000000\0" * 2
    star = one(archive(Member(Header(b"n", prefix=star_field, tail=b"\0" * 8 + b"tar\0"))))
    assert star.name == "star/dir/n"
    gnu_times = one(archive(Member(Header(b"n", magic=GNU, prefix=b"00000000001\x00"))))
    assert gnu_times.name == "n"  # parsable atime: no prefix
    gnu_text = one(archive(Member(Header(b"n", magic=GNU, prefix=b"not/octal"))))
    assert gnu_text.name == "not/octal/n"
    v7 = one(archive(Member(Header(b"n", magic=V7, prefix=b"ignored"))))
    assert v7.name == "n"


@pytest.mark.parametrize("version", ["0.1", "1.0"])
def test_pax_sparse_files(version: str) -> None:
    from tardiff import Spec, encode

    data = b"a" * 100 + bytes(3000) + b"b" * 50 + bytes(900) + b"c"
    entry = one(encode(Spec("real/name", "file", data, sparse=version)) + bytes(1024))
    assert (entry.name, entry.size, entry.data) == ("real/name", len(data), data)


def test_sparse_data_that_does_not_fill_the_map_is_refused() -> None:
    records = [(b"GNU.sparse.major", b"0"), (b"GNU.sparse.minor", b"1"),
               (b"GNU.sparse.numblocks", b"1"), (b"GNU.sparse.map", b"0,1024"),
               (b"GNU.sparse.realsize", b"4096")]  # fmt: skip
    with pytest.raises(InputError, match="does not fill its map"):
        entries(archive(Member(Header(b"s", size=512), b"a" * 512, [pax(records)])))


def test_pax_records_are_parsed_like_go() -> None:
    assert parse_pax(b"11 path=ab\n") == {b"path": b"ab"}
    assert parse_pax(b"+12 path=ab\n") == {b"path": b"ab"}
    for bad in (
        b"11 path=ab\n\0\0",
        b"10 path=ab\n",
        b"11 pathab\n\n",
        b"13 path=a\0b\n",
        b"9 =abcd\n",
    ):
        with pytest.raises(InputError):
            parse_pax(bad)


def test_owner_past_32_bits_is_refused() -> None:
    with pytest.raises(InputError, match=r"outside 0\.\.4294967294"):
        entries(archive(Member(Header(b"f"), extra=[pax([(b"uid", b"4294967296")])])))
    assert one(archive(Member(Header(b"f"), extra=[pax([(b"uid", b"4294967294")])]))).uid == (
        4294967294
    )


def test_limits_come_from_the_environment() -> None:
    limits = Limits.from_env({"UNROOT_MAX_ENTRIES": "10", "UNROOT_MAX_IMAGE_BYTES": " 7 "})
    assert (limits.max_entries, limits.max_image_bytes) == (10, 7)
    from unroot.errors import UsageError

    for bad in ("0", "-1", "ten", "1" * 40, "²"):
        with pytest.raises(UsageError):
            Limits.from_env({"UNROOT_MAX_ENTRIES": bad})


def test_every_limit_variable_is_documented(repo_root: object) -> None:
    from pathlib import Path

    from unroot.oci import limits

    text = (Path(str(repo_root)) / "docs" / "limits.md").read_text()
    for variable in limits._ENV.values():
        assert f"`{variable}`" in text, variable
