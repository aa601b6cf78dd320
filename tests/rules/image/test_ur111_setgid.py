from imagekit import LAYER_B, directory, entry, make_image, run_rule

from unroot.findings import Category


def test_catches_setgid_file_with_group_name() -> None:
    image = make_image([entry("usr/bin/chage", mode=0o2755, gid=42, layer=LAYER_B)])
    [finding] = run_rule("UR111", image)
    assert finding.category is Category.SETUID_BINARY
    assert "shadow" in finding.message  # gid 42 is "shadow" in the test group file
    assert finding.evidence[0].layer == LAYER_B
    assert finding.data["gid"] == 42


def test_catches_not_setgid_directories() -> None:
    image = make_image([directory("var/mail", mode=0o2775, gid=8), entry("bin/true")])
    assert run_rule("UR111", image) == []


def test_setuid_and_setgid_file_is_reported_by_both() -> None:
    image = make_image([entry("usr/bin/both", mode=0o6755)])
    assert run_rule("UR111", image)
    assert run_rule("UR110", image)
