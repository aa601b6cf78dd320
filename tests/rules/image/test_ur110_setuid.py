from imagekit import LAYER_B, directory, entry, make_image, run_rule

from unroot.findings import Category, Severity
from unroot.oci.model import EntryType
from unroot.pipeline.image import scan_image


def test_catches_setuid_root_binary_with_layer_and_mode() -> None:
    image = make_image([entry("usr/bin/passwd", mode=0o4755, layer=LAYER_B)], user="1001")
    [finding] = run_rule("UR110", image)
    assert finding.category is Category.SETUID_BINARY
    [evidence] = finding.evidence
    assert evidence.path == "/usr/bin/passwd"
    assert evidence.layer == LAYER_B
    assert "4755" in (evidence.detail or "")
    assert finding.data == {"path": "/usr/bin/passwd", "mode": 0o4755, "uid": 0, "used": False}
    # nothing the image starts runs it: a note, since no_new_privs disarms the bit
    assert finding.severity is Severity.INFO and "no_new_privs" in finding.message


def test_setuid_binary_the_entrypoint_runs_is_a_warning() -> None:
    script = "#!/bin/sh\nsu app -c /app/server\n"
    image = make_image(
        [entry("usr/bin/su", mode=0o4755)],
        user="1001",
        cmd=["/start.sh"],
        files={"/start.sh": script},
    )
    [finding] = [f for f in scan_image(image).findings if f.rule == "UR110"]
    assert finding.severity is Severity.WARNING and finding.data["used"] is True


def test_catches_each_file_and_hardlinks() -> None:
    image = make_image(
        [
            entry("usr/bin/su", mode=0o4755),
            entry("usr/bin/mount", mode=0o4711),
            entry("usr/bin/su2", EntryType.HARDLINK, 0o4755, linkname="usr/bin/su"),
        ]
    )
    paths = sorted(f.data["path"] for f in run_rule("UR110", image))
    assert paths == ["/usr/bin/mount", "/usr/bin/su", "/usr/bin/su2"]


def test_catches_not_plain_setgid_sticky_or_dirs() -> None:
    image = make_image(
        [
            entry("usr/bin/ls", mode=0o755),
            entry("usr/bin/wall", mode=0o2755, gid=5),
            directory("srv/weird", mode=0o4755),
            entry("usr/bin/link", EntryType.SYMLINK, 0o4777, linkname="ls"),
        ]
    )
    assert run_rule("UR110", image) == []
