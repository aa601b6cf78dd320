import pytest
from imagekit import make_image, run_rule

from unroot.findings import Severity


@pytest.mark.parametrize("user", ["app", "app:0", "app:root", "ghost"])
def test_catches_names(user: str) -> None:
    [finding] = run_rule("UR102", make_image(user=user))
    # a note: the restricted profile picks the UID itself, only runAsNonRoot pods fail
    assert finding.severity is Severity.INFO
    assert "runAsNonRoot" in finding.message


def test_fix_suggests_the_number_when_known() -> None:
    [finding] = run_rule("UR102", make_image(user="app"))
    assert "USER 1001:0" in (finding.fix or "")  # app is 1001 with group 0 in PASSWD


@pytest.mark.parametrize("user", ["", "root", "0", "1001", "1001:0", "1001:app", "root:0"])
def test_catches_not_numbers_or_root(user: str) -> None:
    assert run_rule("UR102", make_image(user=user)) == []
