from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_capabilities_baseline import (
    DEFAULT_CAPABILITIES_V1_0,
    capabilities_baseline_v1_0,
)

from ._pods import ctr, pod, run


def caps(*add: str) -> dict[str, Any]:
    return {"capabilities": {"add": list(add)}}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod([ctr(sc=caps(*sorted(DEFAULT_CAPABILITIES_V1_0)))]), None),
        (pod([ctr(sc={"capabilities": {"drop": ["ALL"]}})]), None),
        (
            pod([ctr("a", sc=caps("NET_RAW"))]),
            'container "a" must not include "NET_RAW" in securityContext.capabilities.add',
        ),
        # exact names only: lower case and the CAP_ prefix are not the default set
        (
            pod([ctr("a", sc=caps("chown", "CAP_CHOWN"))]),
            'container "a" must not include "CAP_CHOWN", "chown" in '
            "securityContext.capabilities.add",
        ),
        (
            pod([ctr("a", sc=caps("SYS_ADMIN", "KILL")), ctr("b", sc=caps("NET_ADMIN"))]),
            'containers "a", "b" must not include "NET_ADMIN", "SYS_ADMIN" in '
            "securityContext.capabilities.add",
        ),
    ],
)
def test_capabilities_baseline(obj: dict[str, Any], detail: str | None) -> None:
    result = run(capabilities_baseline_v1_0, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("non-default capabilities", detail)


def test_path_names_the_offending_entry() -> None:
    result = run(capabilities_baseline_v1_0, pod([ctr(sc=caps("KILL", "SYS_ADMIN"))]))
    assert result.field_paths == ("spec.containers[0].securityContext.capabilities.add[1]",)
