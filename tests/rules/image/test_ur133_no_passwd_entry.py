from imagekit import entry, make_image, run_rule

from unroot.findings import Severity


def test_catches_read_only_passwd() -> None:
    [finding] = run_rule("UR133", make_image(user="1001:0"))
    assert finding.severity is Severity.INFO
    assert finding.evidence[0].path == "/etc/passwd"


def test_mentions_own_uid_without_entry() -> None:
    [finding] = run_rule("UR133", make_image(user="5000"))
    assert "5000 has no entry" in finding.message


def test_catches_missing_passwd() -> None:
    [finding] = run_rule("UR133", make_image(user="1001", passwd=None))
    assert "no /etc/passwd" in finding.message


def test_catches_not_group_writable_passwd() -> None:
    image = make_image(user="1001:0")
    image.tree.put(entry("etc/passwd", mode=0o664), b"root:x:0:0::/root:/bin/sh\n")
    assert run_rule("UR133", image) == []


def test_catches_group_writable_passwd_of_another_group() -> None:
    image = make_image(user="1001:0")
    image.tree.put(entry("etc/passwd", mode=0o664, gid=1001), b"root:x:0:0::/root:/bin/sh\n")
    assert len(run_rule("UR133", image)) == 1


def test_catches_not_nss_wrapper() -> None:
    image = make_image([entry("usr/lib/x86_64-linux-gnu/libnss_wrapper.so")], user="1001:0")
    assert run_rule("UR133", image) == []
