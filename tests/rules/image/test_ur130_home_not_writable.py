import pytest
from imagekit import LAYER_B, PASSWD, directory, entry, make_image, run_rule

from unroot.findings import Severity
from unroot.oci.model import EntryType


def test_catches_env_home_not_group_writable() -> None:
    image = make_image(
        [directory("home/app", 0o755, 1001, 1001, layer=LAYER_B)],
        user="1001:0",
        env=["HOME=/home/app"],
    )
    [finding] = run_rule("UR130", image)
    assert finding.severity is Severity.WARNING
    assert "group 1001" in finding.message
    paths = [e.path for e in finding.evidence if e.path]
    assert paths == ["/home/app"]
    assert finding.evidence[-1].layer == LAYER_B


def test_catches_passwd_home_missing() -> None:
    [finding] = run_rule("UR130", make_image(user="app"))  # /home/app is not in the tree
    assert "does not exist" in finding.message
    assert any(e.path == "/etc/passwd" and e.line == 3 for e in finding.evidence)


def test_catches_group_zero_but_read_only() -> None:
    image = make_image([directory("home/app", 0o755, 1001, 0)], user="1001:0")
    [finding] = run_rule("UR130", image)
    assert "not group-writable" in finding.message


def test_implicit_root_home_is_info() -> None:
    [finding] = run_rule("UR130", make_image(user="5000:0"))  # no passwd entry, no ENV HOME
    assert finding.severity is Severity.INFO


@pytest.mark.parametrize("mode", [0o775, 0o770, 0o2775, 0o1777])
def test_catches_not_group_zero_writable_home(mode: int) -> None:
    image = make_image([directory("home/app", mode, 1001, 0)], user="1001:0")
    assert run_rule("UR130", image) == []


def test_catches_not_world_writable_env_home() -> None:
    image = make_image(user="5000", env=["HOME=/tmp"])
    assert run_rule("UR130", image) == []


def test_catches_not_root_without_env_home() -> None:
    assert run_rule("UR130", make_image(user="")) == []


def test_follows_symlinked_home() -> None:
    passwd = PASSWD.replace("/home/app", "/srv/home")
    image = make_image(
        [
            directory("srv"),
            entry("srv/home", EntryType.SYMLINK, 0o777, linkname="/data/home"),
            directory("data"),
            directory("data/home", 0o775, 1001, 0),
        ],
        user="app",
        passwd=passwd,
    )
    assert run_rule("UR130", image) == []
