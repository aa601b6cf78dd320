import pytest
from imagekit import make_image, run_rule

from unroot.findings import Category, Severity


def test_catches_unknown_user() -> None:
    [finding] = run_rule("UR103", make_image(user="ghost"))
    assert finding.category is Category.INPUT
    assert finding.severity is Severity.ERROR
    assert "'ghost'" in finding.message
    assert finding.data == {"user": "ghost"}


def test_catches_unknown_group() -> None:
    [finding] = run_rule("UR103", make_image(user="1001:wheel"))
    assert "'wheel'" in finding.message
    assert finding.data == {"group": "wheel"}


def test_catches_both() -> None:
    assert len(run_rule("UR103", make_image(user="ghost:wheel"))) == 2


def test_catches_name_when_image_has_no_passwd() -> None:
    [finding] = run_rule("UR103", make_image(user="app", passwd=None))
    assert "has none" in finding.message


@pytest.mark.parametrize("user", ["a:b:c", "99999999999", "1001:99999999999", ":0", "1001:"])
def test_catches_invalid_specs(user: str) -> None:
    [finding] = run_rule("UR103", make_image(user=user))
    assert "not a valid" in finding.message


@pytest.mark.parametrize("user", ["", "root", "app", "app:shadow", "1001:42", "5000", "5000:0"])
def test_catches_not_known_or_numeric(user: str) -> None:
    assert run_rule("UR103", make_image(user=user)) == []
