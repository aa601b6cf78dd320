"""The registry with synthetic checks whose reason is ``id:version``, then the real one."""

from __future__ import annotations

import pytest

from unroot.errors import UsageError
from unroot.policy.psa import evaluate, parse_level, parse_version
from unroot.policy.psa.api import Check, CheckFn, CheckResult, Level, VersionedCheck
from unroot.policy.psa.pod import PodView
from unroot.policy.psa.registry import ALL_CHECKS, Registry, RegistryError, default_registry

from ._pods import pod


def _fn(label: str) -> CheckFn:
    def fn(_: PodView) -> CheckResult:
        return CheckResult(False, label)

    return fn


def gen(check_id: str, level: Level, versions: list[int], overrides: tuple[str, ...] = ()) -> Check:
    return Check(
        check_id,
        level,
        tuple(VersionedCheck(v, _fn(f"{check_id}:1.{v}"), overrides) for v in versions),
    )


def chosen(registry: Registry, level: Level, minor: int | None) -> list[str]:
    view = PodView({}, {})
    return [fn(view).reason for _, fn in registry.checks_for(level, minor)]


SYNTHETIC = [
    gen("b", "baseline", [0, 5, 10]),
    gen("a", "baseline", [3]),
    gen("r", "restricted", [0, 7]),
    gen("x", "restricted", [4, 8], overrides=("b",)),
]


@pytest.mark.parametrize(
    ("level", "minor", "expected"),
    [
        ("baseline", 0, ["b:1.0"]),
        ("baseline", 2, ["b:1.0"]),
        ("baseline", 3, ["a:1.3", "b:1.0"]),
        ("baseline", 6, ["a:1.3", "b:1.5"]),
        ("baseline", 10, ["a:1.3", "b:1.10"]),
        ("baseline", None, ["a:1.3", "b:1.10"]),  # latest
        ("baseline", 10000, ["a:1.3", "b:1.10"]),  # clamped to the newest
        ("restricted", 0, ["b:1.0", "r:1.0"]),
        ("restricted", 3, ["a:1.3", "b:1.0", "r:1.0"]),
        ("restricted", 4, ["a:1.3", "r:1.0", "x:1.4"]),  # x overrides b from 1.4
        ("restricted", 9, ["a:1.3", "r:1.7", "x:1.8"]),
        ("restricted", None, ["a:1.3", "r:1.7", "x:1.8"]),
        ("privileged", 9, []),
    ],
)
def test_inflation_and_overrides(level: Level, minor: int | None, expected: list[str]) -> None:
    registry = Registry(SYNTHETIC)
    assert registry.max_minor == 10
    assert chosen(registry, level, minor) == expected


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        ([gen("a", "baseline", [0]), gen("a", "baseline", [1])], "duplicate"),
        ([gen("a", "baseline", [3, 3])], "increase"),
        ([gen("a", "baseline", [5, 2])], "increase"),
        ([gen("a", "baseline", [])], "no versions"),
        ([gen("a", "baseline", [0]), gen("b", "baseline", [0], ("a",))], "only restricted"),
        ([gen("a", "restricted", [0]), gen("b", "restricted", [0], ("a",))], "not baseline"),
        ([gen("r", "restricted", [0], ("ghost",))], "unknown check"),
        ([Check("p", "privileged", (VersionedCheck(0, _fn("p")),))], "invalid level"),
    ],
)
def test_validation_rejects(checks: list[Check], message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        Registry(checks)


def test_an_override_cannot_be_dropped_by_a_later_version() -> None:
    dropping = Check(
        "r",
        "restricted",
        (VersionedCheck(1, _fn("r1"), ("b",)), VersionedCheck(2, _fn("r2"))),
    )
    with pytest.raises(RegistryError, match="stops overriding"):
        Registry([gen("b", "baseline", [0]), dropping])


def test_real_registry_is_valid_and_complete() -> None:
    registry = default_registry()
    ids = {c.id for c in ALL_CHECKS}
    assert len(ids) == len(ALL_CHECKS) == 19
    assert registry.max_minor == 37
    baseline_latest = [cid for cid, _ in registry.checks_for("baseline", None)]
    assert baseline_latest == sorted(baseline_latest)
    restricted_latest = [cid for cid, _ in registry.checks_for("restricted", None)]
    # overridden baseline checks are gone at the newest version
    for overridden in (
        "capabilities_baseline",
        "hostPathVolumes",
        "procMount",
        "seccompProfile_baseline",
    ):
        assert overridden not in restricted_latest
    assert "procMount" in [cid for cid, _ in registry.checks_for("restricted", 34)]
    assert "runAsUser" not in [cid for cid, _ in registry.checks_for("restricted", 22)]


@pytest.mark.parametrize("text", ["v1.0", "v1.37", "v1.10000", "latest"])
def test_parse_version_accepts(text: str) -> None:
    assert parse_version(text) == text


@pytest.mark.parametrize("text", ["", "1.30", "v1.030", "v2.0", "v1.", "v1.-1", "LATEST", "v1.3x"])
def test_parse_version_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_version(text)


def test_parse_level() -> None:
    assert parse_level("restricted") == "restricted"
    with pytest.raises(UsageError):
        parse_level("strict")


def test_privileged_level_allows_anything() -> None:
    obj = pod(hostNetwork=True, sc={"runAsUser": 0})
    assert evaluate(obj, "privileged", "latest").allowed
    assert not evaluate(obj, "baseline", "latest").allowed
