from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_capabilities_restricted import (
    CHECK,
    capabilities_restricted_v1_22,
    capabilities_restricted_v1_25,
)

from ._pods import ctr, pod, run

DROP_ALL: dict[str, Any] = {"capabilities": {"drop": ["ALL"]}}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod([ctr(sc=DROP_ALL)]), None),
        (pod([ctr(sc={"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}})]), None),
        (pod([ctr("a")]), 'container "a" must set securityContext.capabilities.drop=["ALL"]'),
        (
            pod([ctr("a", sc={"capabilities": {"drop": ["SYS_ADMIN", "NET_RAW"]}})]),
            'container "a" must set securityContext.capabilities.drop=["ALL"]',
        ),
        (
            pod([ctr("a", sc={"capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}})]),
            'container "a" must not include "CHOWN" in securityContext.capabilities.add',
        ),
        (
            pod([ctr("a"), ctr("b", sc={"capabilities": {"add": ["KILL", "NET_BIND_SERVICE"]}})]),
            'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; '
            'container "b" must not include "KILL" in securityContext.capabilities.add',
        ),
    ],
)
def test_capabilities_restricted(obj: dict[str, Any], detail: str | None) -> None:
    result = run(capabilities_restricted_v1_22, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("unrestricted capabilities", detail)


def test_windows_exempt_from_v1_25_only() -> None:
    windows = pod([ctr("a")], os={"name": "windows"})
    assert not run(capabilities_restricted_v1_22, windows).allowed
    assert run(capabilities_restricted_v1_25, windows).allowed
    assert not run(capabilities_restricted_v1_25, pod([ctr("a")], os={"name": "linux"})).allowed


def test_overrides_the_baseline_check_in_every_version() -> None:
    assert [v.minimum_version for v in CHECK.versions] == [22, 25]
    assert all(v.overrides == ("capabilities_baseline",) for v in CHECK.versions)
