"""Differential test: unroot's layer reader against what podman really extracts.

A few hundred layers (hand-written cases below, plus Hypothesis-generated ones mixing PAX
local and global headers, GNU long names and links, ustar/STAR/GNU prefixes, odd number
encodings, sparse files, hardlinks, whiteouts, devices) are read by unroot and loaded into
podman (skopeo into local storage, then ``podman image mount``). For every path: type,
mode with setuid/setgid/sticky, owner, size, symlink target, device numbers and
``security.capability`` must be the same. A layer unroot refuses must be one podman
refuses as well, or one of the documented deliberate refusals (:data:`DELIBERATE`).

One-layer cases are merged into one layer (:data:`BATCH` cases each, every case in its
own directory), so podman loads a handful of images, not hundreds, and a refused image
leaves nothing in storage; a refused batch is bisected. Generation has a fixed seed:
every run checks the same layers.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from tarcraft import GNU, Header, Member, archive, meta, pax, regular
from tardiff import (
    CAP,
    CAP_BIND,
    CAP_RAW,
    Case,
    PodmanLoader,
    Spec,
    _split_ustar,
    differences,
    encode,
    layer,
    merged,
    owner,
    podman_view,
    report,
    unroot_read,
    unroot_view,
)

from unroot.runtime.podman import Podman

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

BATCH = 120
"""One-layer cases merged into one layer per podman image."""
GENERATED = 300

DELIBERATE = [
    r"absolute path",
    r"climbs above the root",
    r"points outside the image root",
    r"ambiguous",
    r"readers disagree",
    r"outside 0\.\.4294967294",
]
"""unroot's refusals of layers podman extracts: hostile spellings (absolute names,
traversal, links out of the root) and combinations that readers disagree on."""


def _dir(path: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> Spec:
    return Spec(path, "dir", mode=mode, uid=uid, gid=gid)


def _file(path: str, data: bytes = b"x", mode: int = 0o644, **kw: object) -> Spec:
    return Spec(path, "file", data, mode, **kw)  # type: ignore[arg-type]


def _star(name: bytes, prefix: bytes) -> bytes:
    """A STAR header: ustar magic plus a ``tar\\0`` trailer, prefix in 131 bytes."""
    field = prefix.ljust(131, b"\0") + b"00000000000\0" + b"00000000000\0"
    header = Header(name, b"0", size=1, mode=0o4755, prefix=field, tail=b"\0" * 8 + b"tar\0")
    return Member(header, b"s").encode()


def _gnu_prefix(name: bytes, prefix: bytes) -> bytes:
    """A GNU header whose atime/ctime do not parse: Go reads them as a prefix."""
    header = Header(name, b"0", size=1, mode=0o2755, magic=GNU, prefix=prefix)
    return Member(header, b"g").encode()


def hand_cases() -> list[Case]:
    c: list[Case] = []

    def add(name: str, about: str, *layers: bytes) -> None:
        c.append(Case(name, list(layers), about))

    long = "h01/" + "/".join(["d" * 60] * 4) + "/file"
    add("h01", "PAX path", layer(_file(long, mode=0o4755, name_via="pax")))
    add("h02", "GNU long name", layer(_file("h02/" + "n" * 150, mode=0o4711, name_via="gnu")))
    add(
        "h03",
        "GNU long name beats a PAX path",
        layer(_file("h03/" + "g" * 120, mode=0o4755, name_via="gnu+pax")),
    )
    add(
        "h04",
        "crafted: setuid-root binary named by a GNU long name, a PAX path naming a decoy",
        layer(
            Member(
                Header(b"h04/harmless", b"0", size=4, mode=0o4755),
                b"evil",
                [meta(b"L", b"usr/bin/evil-h04\x00"), pax([(b"path", b"h04/harmless")])],
            ).encode()
        ),
    )
    add(
        "h06",
        "PAX size overrides the header's",
        layer(_file("h06/f", b"data" * 300, size_via_pax=True)),
    )
    add("h07", "type \\0 with a slash is a directory", layer(Spec("h07/d", "dir", areg=True)))
    add(
        "h08",
        "type 0 with a slash is a file",
        layer(Member(Header(b"h08/slashfile/", b"0", mode=0o4755)).encode()),
    )
    add("h09", "octal fields with leading NULs", layer(_file("h09/f", mode=0o4755, numbers="nuls")))
    add(
        "h10",
        "octal fields padded with spaces",
        layer(_file("h10/f", mode=0o2755, uid=33, numbers="spaces")),
    )
    add(
        "h11",
        "octal fields without terminator",
        layer(_file("h11/f", mode=0o6755, gid=4, numbers="full")),
    )
    add(
        "h12",
        "base-256 fields",
        layer(_file("h12/f", b"b" * 700, mode=0o4755, uid=70000, gid=3000000, numbers="base256")),
    )
    add("h13", "ustar prefix", layer(_file("h13/" + "p" * 120 + "/" + "q" * 90, mode=0o4755)))
    add("h14", "STAR prefix (131 bytes, then atime/ctime)", layer(_star(b"f", b"h14/star")))
    add(
        "h15",
        "GNU atime/ctime that do not parse are a prefix",
        layer(_gnu_prefix(b"f", b"h15/prefixdir")),
    )
    sparse = b"a" * 100 + bytes(3000) + b"b" * 50 + bytes(900) + b"c"
    add("h16", "PAX sparse 0.1", layer(_file("h16/sparse01", sparse, sparse="0.1")))
    add("h17", "PAX sparse 1.0", layer(_file("h17/sparse10", sparse, mode=0o4755, sparse="1.0")))
    add(
        "h18",
        "a hardlink's header sets mode and owner of the shared inode",
        layer(
            _file("h18/t1", b"abc", mode=0o644, uid=5),
            Spec("h18/t2", "hardlink", linkname="h18/t1", mode=0o4755, uid=0),
        ),
    )
    add(
        "h19",
        "a hardlink without the capability drops it (chown)",
        layer(
            _file("h19/t1", b"abc", mode=0o755, xattrs={CAP: CAP_BIND}),
            Spec("h19/t2", "hardlink", linkname="h19/t1", mode=0o755),
        ),
    )
    add(
        "h20",
        "a hardlink restating a capability keeps it",
        layer(
            _file("h20/t1", b"abc", mode=0o755, xattrs={CAP: CAP_BIND}),
            Spec("h20/t2", "hardlink", linkname="h20/t1", mode=0o755, xattrs={CAP: CAP_RAW}),
        ),
    )
    add(
        "h21",
        "hardlink to a symlink",
        layer(
            Spec("h21/s", "symlink", linkname="/etc/passwd"),
            Spec("h21/s2", "hardlink", linkname="h21/s", uid=9),
        ),
    )
    add(
        "h22",
        "whiteout then the directory again: lower contents show",
        layer(_dir("h22/d"), _file("h22/d/old", mode=0o4755)),
        layer(_file("h22/.wh.d", b""), _dir("h22/d", 0o700), _file("h22/d/new")),
    )
    add(
        "h23",
        "whiteout then a file over a lower directory",
        layer(_dir("h23/d"), _file("h23/d/old", mode=0o4755)),
        layer(_file("h23/.wh.d", b""), _file("h23/d", b"now a file")),
    )
    add(
        "h24",
        "opaque marker",
        layer(_dir("h24/d"), _file("h24/d/old", mode=0o4755)),
        layer(_dir("h24/d"), _file("h24/d/.wh..wh..opq", b""), _file("h24/d/new")),
    )
    add(
        "h25",
        "opaque xattr",
        layer(_dir("h25/d"), _file("h25/d/old", mode=0o4755)),
        layer(Spec("h25/d", "dir", xattrs={"trusted.overlay.opaque": b"y"}), _file("h25/d/new")),
    )
    add(
        "h26",
        "character device 0/0 is a whiteout",
        layer(_file("h26/gone", mode=0o4755)),
        layer(Spec("h26/gone", "char", dev=(0, 0))),
    )
    add(
        "h27",
        "a missing parent hides a lower directory's owner and mode",
        layer(_dir("h27/app", 0o777, 1000, 1000), _file("h27/app/low")),
        layer(_file("h27/app/new")),
    )
    add(
        "h28",
        "devices and FIFOs",
        layer(
            _dir("h28/dev"),
            Spec("h28/dev/null", "char", mode=0o666, dev=(1, 3)),
            Spec("h28/dev/loop0", "block", mode=0o660, gid=6, dev=(7, 0)),
            Spec("h28/dev/initctl", "fifo", mode=0o600),
        ),
    )
    add(
        "h29",
        "an empty PAX path keeps the header's",
        layer(_file("h29/kept", mode=0o4755, name_via="pax-empty")),
    )
    add(
        "h30",
        "owner and capability in PAX records",
        layer(
            _file(
                "h30/f",
                mode=0o755,
                uid=4000000000,
                gid=12,
                ids_via_pax=True,
                xattrs={CAP: CAP_BIND},
            )
        ),
    )
    add(
        "h31",
        "harmless PAX global headers, one named below a directory",
        layer(
            _file("h31/f", mode=0o4755, global_before=True),
            Member(
                Header(b"h31/sub/pax_global_header", b"g", size=20), b"20 comment=a commit\n"
            ).encode(),
        ),
    )
    add(
        "h32",
        "empty xattr values are ignored",
        layer(_file("h32/f", xattrs={"user.empty": b"", CAP: b""})),
    )
    add(
        "r14",
        "a directory named twice in one layer",
        layer(_dir("r14/d", 0o700, 3, 3), _file("r14/d/f"), _dir("r14/d", 0o1777, 0, 0)),
    )
    add(
        "r15",
        "a path named twice in one layer",
        layer(_file("r15/f", mode=0o4755), Spec("r15/f", "symlink", linkname="/bin/true")),
    )
    add("h35", "a V7 header (no magic)", layer(_file("h35/v7", mode=0o4755, magic="v7")))
    add(
        "h36", "an absolute symlink target", layer(Spec("h36/l", "symlink", linkname="/usr/bin/su"))
    )
    add(
        "h37",
        "PAX linkpath and GNU long link",
        layer(
            _file("h37/" + "t" * 110, mode=0o4755, name_via="gnu", magic="gnu"),
            Spec("h37/hl", "hardlink", linkname="h37/" + "t" * 110, link_via="gnu", mode=0o4755),
            Spec("h37/sl", "symlink", linkname="/" + "u" * 120, link_via="pax"),
        ),
    )
    add(
        "h38",
        "a global header named like a new path",
        layer(pax([(b"comment", b"c")], global_=True).encode(), _file("h38/f")),
    )

    # podman refuses these; so must unroot
    add("r01", "type 7", layer(Member(Header(b"r01/c", b"7", size=1, mode=0o4755), b"z").encode()))
    add(
        "r02",
        "old GNU sparse (type S)",
        layer(Member(Header(b"r02/s", b"S", size=1, magic=GNU), b"z").encode()),
    )
    add(
        "r03",
        "hardlink to a lower layer",
        layer(_file("r03/t")),
        layer(Spec("r03/l", "hardlink", linkname="r03/t")),
    )
    add("r04", "whiteout after adding the path", layer(_file("r04/f"), _file("r04/.wh.f", b"")))
    add(
        "r05",
        "a zero block followed by a header",
        layer(_file("r05/f"), end=bytes(512) + Header(b"r05/hidden", b"0").encode() + bytes(1024)),
    )
    add("r06", "a name component past NAME_MAX", layer(_file("r06/" + "n" * 300, name_via="pax")))
    add(
        "r07",
        "a name past PATH_MAX",
        layer(_file("r07/" + "/".join(["m" * 200] * 21), name_via="pax")),
    )
    add("r08", "a bad checksum", archive(Member(Header(b"r08/f", b"0", spoil_checksum=True))))
    add(
        "r09",
        "mtime that is not a number",
        archive(Member(Header(b"r09/f", b"0", mtime=b"garbage\0"))),
    )
    add(
        "r10",
        "a PAX header padded with NULs",
        archive(Member(Header(b"r10/f", b"0"), extra=[meta(b"x", b"12 path=r10\n\0\0\0", b"x")])),
    )
    add(
        "r11",
        "hardlink to a directory",
        layer(_dir("r11/d"), Spec("r11/l", "hardlink", linkname="r11/d")),
    )
    add("r12", "an entry below a file of the same layer", layer(_file("r12/f"), _file("r12/f/x")))
    add(
        "r13",
        "sparse data that does not fill the map",
        archive(
            Member(
                Header(b"r13/s", b"0", size=512),
                b"a" * 512,
                extra=[
                    pax(
                        [
                            (b"GNU.sparse.major", b"0"),
                            (b"GNU.sparse.minor", b"1"),
                            (b"GNU.sparse.name", b"r13/s"),
                            (b"GNU.sparse.realsize", b"4096"),
                            (b"GNU.sparse.numblocks", b"1"),
                            (b"GNU.sparse.map", b"0,1024"),
                        ]
                    )
                ],
            )
        ),
    )

    # podman extracts these; unroot refuses on purpose (see DELIBERATE)
    add("d01", "absolute name", layer(_file("/d01/abs", mode=0o4755)))
    add("d02", "name climbing out of the root", layer(_file("../../d02/up", mode=0o4755)))
    add(
        "d03",
        "symlink climbing out of the root",
        layer(Spec("d03/l", "symlink", linkname="../../../etc/shadow")),
    )
    add(
        "d04",
        "two PAX headers for one entry",
        archive(
            Member(
                Header(b"d04/plain", b"0", mode=0o4755),
                extra=[pax([(b"path", b"usr/bin/evil-d04")]), pax([(b"mtime", b"1")])],
            )
        ),
    )
    add(
        "d05",
        "two GNU long names for one entry",
        archive(
            Member(
                Header(b"d05/plain", b"0", mode=0o4755, magic=GNU),
                extra=[meta(b"L", b"usr/bin/evil-d05\0"), meta(b"L", b"d05/decoy\0")],
            )
        ),
    )
    add(
        "d06",
        "crafted: a PAX global size makes other readers skip the setuid entry",
        archive(
            pax([(b"size", b"512")], global_=True),
            regular(b"d06/harmless", b""),
            Member(Header(b"usr/bin/evil-d06", b"0", size=4, mode=0o4755), b"evil"),
        ),
    )
    add(
        "d07",
        "a PAX global path",
        archive(
            pax([(b"path", b"d07/decoy")], global_=True),
            regular(b"usr/bin/evil-d07", b"e", mode=0o4755),
        ),
    )
    add(
        "d08",
        "an entry below a symlink of the same layer",
        layer(
            _dir("d08/real"),
            Spec("d08/sl", "symlink", linkname="real"),
            _file("d08/sl/evil", mode=0o4755),
        ),
    )
    add(
        "d09",
        "a PAX header followed by a global one",
        archive(
            pax([(b"path", b"usr/bin/evil-d09")]),
            pax([(b"comment", b"c")], global_=True),
            regular(b"d09/plain", b"e", mode=0o4755),
        ),
    )
    add(
        "d10",
        "an owner past 32 bits (chown would make it root)",
        layer(_file("d10/f", mode=0o4755, uid=2**32, ids_via_pax=True)),
    )
    add(
        "d11",
        "a file replacing a directory of the same layer",
        layer(_dir("d11/d"), _file("d11/d/x", mode=0o4755), _file("d11/d")),
    )
    add(
        "d12",
        "a global header named like a path of the layer",
        layer(
            _file("d12/f", mode=0o4755),
            Member(Header(b"d12/f", b"g", size=20), b"20 comment=abcdefgh\n").encode(),
        ),
    )
    return c


# -- generated layers -----------------------------------------------------------------------------

_SEGMENT = st.text(alphabet="abcdefghij-_.0123456789", min_size=1, max_size=30).filter(
    lambda s: s not in (".", "..") and not s.startswith(".wh.")
)
_LONG_SEGMENT = st.text(alphabet="klmnop", min_size=60, max_size=120)


@st.composite
def _spec(draw: st.DrawFn, top: str, existing: list[Spec]) -> Spec:
    depth = draw(st.integers(0, 3))
    parts = [draw(st.one_of(_SEGMENT, _LONG_SEGMENT)) for _ in range(depth)]
    parts.append(draw(_SEGMENT))
    path = "/".join([top, *parts])
    files = [s for s in existing if s.kind == "file" and s.sparse == ""]
    kinds = ["file", "file", "file", "dir", "symlink", "fifo", "char", "block"]
    if files:
        kinds.append("hardlink")
    kind = draw(st.sampled_from(kinds))
    mode = draw(st.sampled_from([0o644, 0o755, 0o4755, 0o2755, 0o6755, 0o1777, 0o700, 0o4711]))
    uid = draw(st.sampled_from([0, 1, 33, 1000, 65534, 70000, 2097152, 4294967294]))
    gid = draw(st.sampled_from([0, 5, 1000, 2097152]))
    spec = Spec(path, kind, mode=mode, uid=uid, gid=gid)
    spec.name_via = draw(st.sampled_from(["ustar", "pax", "gnu", "gnu+pax", "pax-empty"]))
    if spec.name_via == "pax-empty" and len(path) > 100:
        spec.name_via = "pax"
    spec.numbers = draw(st.sampled_from(["octal", "octal", "spaces", "nuls", "full", "base256"]))
    spec.ids_via_pax = draw(st.booleans()) and spec.name_via != "gnu"
    spec.global_before = draw(st.integers(0, 9)) == 0
    spec.magic = "ustar"
    if spec.name_via in ("gnu", "gnu+pax"):
        spec.magic = "gnu"
    if kind == "file":
        spec.data = draw(st.one_of(st.binary(max_size=600), st.just(b"z" * 1500)))
        spec.areg = draw(st.integers(0, 5)) == 0
        spec.size_via_pax = draw(st.integers(0, 6)) == 0
        if draw(st.integers(0, 5)) == 0:
            spec.xattrs[CAP] = draw(st.sampled_from([CAP_BIND, CAP_RAW]))
        if draw(st.integers(0, 8)) == 0 and spec.name_via != "gnu":
            spec.data = b"q" * 30 + bytes(2000) + b"r" * 10
            spec.sparse = draw(st.sampled_from(["0.1", "1.0"]))
            spec.xattrs.pop(CAP, None)
    elif kind == "dir":
        spec.areg = draw(st.integers(0, 5)) == 0
        if draw(st.integers(0, 6)) == 0:
            spec.xattrs["user.note"] = b"d"
    elif kind == "symlink":
        spec.linkname = draw(st.sampled_from(["/usr/bin/su", "target", "../x", "/" + "l" * 150]))
        spec.link_via = draw(st.sampled_from(["ustar", "pax", "gnu", "gnu+pax"]))
    elif kind == "hardlink":
        target = draw(st.sampled_from(files))
        spec.linkname = target.path
        spec.link_via = draw(st.sampled_from(["ustar", "pax", "gnu", "gnu+pax"]))
        if target.xattrs.get(CAP) and draw(st.booleans()):
            spec.xattrs[CAP] = target.xattrs[CAP]
    elif kind in ("char", "block"):
        spec.dev = (draw(st.integers(1, 255)), draw(st.integers(0, 255)))
    if spec.magic == "gnu" and spec.name_via == "ustar":
        spec.magic = "ustar"
    if spec.name_via in ("ustar", "pax-empty") and _split_ustar(path.encode()) is None:
        spec.name_via = "pax"
    if spec.link_via in ("gnu", "gnu+pax"):
        spec.magic = "gnu"
        if spec.name_via == "ustar" and len(spec.path) > 100:
            spec.name_via = "pax"
    return spec


@st.composite
def _case(draw: st.DrawFn, index: int) -> Case:
    top = f"g{index:04d}"
    specs: list[Spec] = []
    for _ in range(draw(st.integers(1, 8))):
        spec = draw(_spec(top, specs))
        if any(s.path == spec.path or s.path.startswith(spec.path + "/") for s in specs):
            continue
        if any(spec.path.startswith(s.path + "/") and s.kind != "dir" for s in specs):
            continue
        specs.append(spec)
    members = []
    for spec in specs:
        try:
            members.append(encode(spec))
        except ValueError:
            continue
    return Case(top, [layer(*members)], "generated")


def generated_cases(count: int) -> list[Case]:
    out: list[Case] = []

    @seed(20261204)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        out.append(data.draw(_case(len(out))))

    collect()
    return out


# -- the test -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loader(podman: Podman, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodmanLoader]:
    loader = PodmanLoader(podman.env(), podman.command([]), tmp_path_factory.mktemp("tardiff"))
    yield loader
    loader.remove_all()


def _compare(
    loader: PodmanLoader, cases: list[Case], layers: list[bytes], workdir: Path
) -> list[str] | None:
    """Differences between unroot and podman on an image of ``layers`` (made of
    ``cases``), or None when podman refuses the image."""
    ref = loader.load(layers)
    if ref is None:
        return None
    ours = unroot_read(layers, workdir)
    assert not isinstance(ours, str), ours
    return [
        f"{owner(line.split(': ')[0].strip(chr(39)), cases)}: {line}"
        for line in differences(unroot_view(ours), loader.view(ref))
    ]


def _check_merged(
    loader: PodmanLoader, cases: list[Case], workdir: Path, problems: list[str]
) -> None:
    """Compare one-layer cases merged into one layer; bisect when podman refuses it."""
    found = _compare(loader, cases, [merged(cases)], workdir)
    if found is not None:
        problems.extend(found)
    elif len(cases) == 1:
        case = cases[0]
        problems.append(
            f"{case.name} ({case.about}): unroot reads it, podman refuses: "
            f"{loader.last_error[-200:]}"
        )
    else:
        half = len(cases) // 2
        _check_merged(loader, cases[:half], workdir, problems)
        _check_merged(loader, cases[half:], workdir, problems)


def test_reader_matches_podman(loader: PodmanLoader, tmp_path: Path) -> None:
    cases = hand_cases() + generated_cases(GENERATED)
    assert len(cases) >= 300
    results = {case.name: unroot_read(case.layers, tmp_path) for case in cases}
    accepted = [c for c in cases if not isinstance(results[c.name], str)]
    refused = [c for c in cases if isinstance(results[c.name], str)]
    problems: list[str] = []

    single = [c for c in accepted if len(c.layers) == 1]
    for i in range(0, len(single), BATCH):
        _check_merged(loader, single[i : i + BATCH], tmp_path, problems)
    stacked = [c for c in accepted if len(c.layers) > 1]
    found = _compare(loader, stacked, [t for c in stacked for t in c.layers], tmp_path)
    if found is None:
        for case in stacked:
            one = _compare(loader, [case], case.layers, tmp_path)
            problems.extend(one if one is not None else [f"{case.name}: podman refuses it"])
    else:
        problems.extend(found)

    for case in refused:
        message = results[case.name]
        assert isinstance(message, str)
        if loader.load(case.layers) is None:
            continue  # both refuse
        if not any(re.search(p, message) for p in DELIBERATE):
            problems.append(
                f"{case.name} ({case.about}): podman extracts it, unroot refuses: {message}"
            )

    assert not problems, report(problems)
    names = {c.name for c in refused}
    assert {n for n in names if n.startswith(("r", "d"))} == {
        c.name for c in cases if c.name.startswith(("r", "d"))
    }, "every r*/d* case is refused by unroot"
    assert not names & {c.name for c in cases if c.name.startswith("h")}, [
        (n, results[n]) for n in sorted(names) if n.startswith("h")
    ]


def test_crafted_setuid_binary_is_seen_or_refused(loader: PodmanLoader, tmp_path: Path) -> None:
    """A known evasion, both ways: podman extracts a setuid-root ``usr/bin/evil``;
    unroot either shows it (GNU long name over a PAX path) or refuses the layer (a PAX
    global record that other readers would apply)."""
    cases = {c.name: c for c in hand_cases()}
    tree = unroot_read(cases["h04"].layers, tmp_path)
    assert not isinstance(tree, str), tree
    evil = tree.get("usr/bin/evil-h04")
    assert evil is not None and evil.setuid and evil.uid == 0
    assert tree.get("h04/harmless") is None
    for name in ("d06", "d07"):
        ref = loader.load(cases[name].layers)
        assert ref is not None, loader.last_error
        extracted = loader.view(ref)[f"usr/bin/evil-{name}"]
        assert extracted.mode & 0o4000 and extracted.uid == 0
        refusal = unroot_read(cases[name].layers, tmp_path)
        assert isinstance(refusal, str) and "PAX global header" in refusal


def test_podman_view_sees_the_mount(tmp_path: Path) -> None:
    """The podman side of the comparison reads what a directory holds (a guard against a
    comparison that cannot fail)."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"abc")
    (tmp_path / "d" / "f").chmod(0o4750)
    (tmp_path / "l").symlink_to("/x")
    view = podman_view(tmp_path)
    assert view["d/f"].mode == 0o4750 and view["d/f"].size == 3
    assert view["l"].target == "/x" and view["l"].kind == "symlink"


def test_cases_are_well_formed() -> None:
    """Each hand-written case parses as a tar on its own and has its own top directory."""
    cases = hand_cases()
    assert len({c.name for c in cases}) == len(cases)
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases[:5]:
            assert not isinstance(unroot_read(case.layers, Path(tmp)), str), case.name
    assert encode(Spec("x/y", "file", b"a")).startswith(b"x/y")
