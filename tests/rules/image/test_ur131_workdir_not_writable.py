import pytest
from imagekit import directory, entry, make_image, run_rule


def test_catches_root_owned_workdir() -> None:
    image = make_image([directory("app", 0o755)], user="1001:0", workdir="/app")
    [finding] = run_rule("UR131", image)
    assert finding.data == {"path": "/app"}
    assert finding.evidence[0].field == "config.WorkingDir"
    assert "0755" in (finding.evidence[1].detail or "")


def test_catches_missing_workdir() -> None:
    [finding] = run_rule("UR131", make_image(workdir="/opt/app"))
    assert "does not exist" in finding.message


def test_catches_workdir_that_is_a_file() -> None:
    [finding] = run_rule("UR131", make_image([entry("app")], workdir="/app"))
    assert "not a directory" in finding.message


@pytest.mark.parametrize("workdir", ["", "/", "/tmp"])
def test_catches_not_unset_root_or_world_writable(workdir: str) -> None:
    assert run_rule("UR131", make_image(workdir=workdir)) == []


def test_catches_not_group_zero_writable() -> None:
    image = make_image([directory("app", 0o775, 1001, 0)], workdir="/app/")
    assert run_rule("UR131", image) == []
