import pytest
from imagekit import PASSWD, make_image, run_rule

from unroot.findings import Category, Severity

ROOT_FORMS = ["", "root", "0", "0:0", "0:1001", "root:1001", "root:root", " 0 "]


@pytest.mark.parametrize("user", ROOT_FORMS)
def test_catches_every_root_form(user: str) -> None:
    [finding] = run_rule("UR101", make_image(user=user))
    assert finding.category is Category.NO_USER
    assert finding.severity is Severity.ERROR
    [evidence] = finding.evidence
    assert evidence.field == "config.User"
    assert evidence.value == user


def test_empty_user_says_no_user_set() -> None:
    [finding] = run_rule("UR101", make_image(user=""))
    assert "no USER set (defaults to root)" in (finding.evidence[0].detail or "")


def test_catches_other_name_with_uid_zero() -> None:
    passwd = PASSWD + "toor:x:0:0::/root:/bin/sh\n"
    [finding] = run_rule("UR101", make_image(user="toor", passwd=passwd))
    assert "toor" in finding.message


def test_empty_user_without_passwd_is_still_root() -> None:
    assert run_rule("UR101", make_image(user="", passwd=None, group=None))


@pytest.mark.parametrize("user", ["1001", "1001:0", "app", "app:root", "1001:1001", "65534"])
def test_catches_not_non_root(user: str) -> None:
    assert run_rule("UR101", make_image(user=user)) == []


def test_catches_not_unknown_name() -> None:
    assert run_rule("UR101", make_image(user="nobody-here")) == []
