import struct

from imagekit import LAYER_B, entry, make_image, run_rule

from unroot.findings import Category
from unroot.oci.model import EntryType

NET_BIND_SERVICE = 10
NET_RAW = 13
REV2, REV3, EFFECTIVE = 0x02000000, 0x03000000, 0x1


def xattr_v2(permitted: int, effective: bool = True) -> dict[str, bytes]:
    magic = REV2 | (EFFECTIVE if effective else 0)
    return {"security.capability": struct.pack("<5I", magic, permitted, 0, 0, 0)}


def test_catches_cap_net_bind_service() -> None:
    image = make_image(
        [entry("usr/sbin/httpd", mode=0o755, layer=LAYER_B, xattrs=xattr_v2(1 << NET_BIND_SERVICE))]
    )
    [finding] = run_rule("UR112", image)
    assert finding.category is Category.FILE_CAPABILITY
    assert finding.data["permitted"] == ["CAP_NET_BIND_SERVICE"]
    assert finding.data["effective"] is True
    assert "CAP_NET_BIND_SERVICE" in finding.message
    assert finding.evidence[0].path == "/usr/sbin/httpd"
    assert finding.evidence[0].layer == LAYER_B


def test_catches_v3_with_rootid() -> None:
    raw = struct.pack("<6I", REV3, 1 << NET_RAW, 0, 0, 0, 100000)
    image = make_image([entry("bin/ping", xattrs={"security.capability": raw})])
    [finding] = run_rule("UR112", image)
    assert finding.data["permitted"] == ["CAP_NET_RAW"]
    assert finding.data["rootid"] == 100000


def test_malformed_xattr_is_an_input_finding_not_a_crash() -> None:
    image = make_image([entry("bin/odd", xattrs={"security.capability": b"\x02\x00"})])
    [finding] = run_rule("UR112", image)
    assert finding.category is Category.INPUT
    assert "malformed" in finding.message


def test_catches_not_other_xattrs_or_non_files() -> None:
    image = make_image(
        [
            entry("bin/a", xattrs={"user.comment": b"hi"}),
            entry("bin/b", EntryType.SYMLINK, linkname="a", xattrs=xattr_v2(1)),
        ]
    )
    assert run_rule("UR112", image) == []
