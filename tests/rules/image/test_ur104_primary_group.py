import pytest
from imagekit import PASSWD, make_image, run_rule

from unroot.findings import Severity


@pytest.mark.parametrize(("user", "gid"), [("1001:1001", 1001), ("app:shadow", 42), ("5000:7", 7)])
def test_catches_non_zero_group(user: str, gid: int) -> None:
    [finding] = run_rule("UR104", make_image(user=user))
    assert finding.severity is Severity.INFO
    assert finding.data["gid"] == gid


def test_catches_group_from_passwd_entry() -> None:
    passwd = PASSWD + "web:x:2000:2000::/srv:/bin/sh\n"
    [finding] = run_rule("UR104", make_image(user="web", passwd=passwd))
    assert finding.data == {"uid": 2000, "gid": 2000}


@pytest.mark.parametrize("user", ["1001:0", "app", "5000", "", "0:1001", "root:42", "ghost"])
def test_catches_not_group_zero_or_root_or_unknown(user: str) -> None:
    # "5000" has no passwd entry: the runtime gives it GID 0
    assert run_rule("UR104", make_image(user=user)) == []
