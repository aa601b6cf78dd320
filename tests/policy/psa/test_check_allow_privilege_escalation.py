from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_allow_privilege_escalation import (
    allow_privilege_escalation_v1_8,
    allow_privilege_escalation_v1_25,
)

from ._pods import ctr, pod, run

NO: dict[str, Any] = {"allowPrivilegeEscalation": False}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod([ctr("a", sc=NO)], init=[ctr("i", sc=NO)]), None),
        (pod([ctr("a")]), 'container "a" must set securityContext.allowPrivilegeEscalation=false'),
        (
            pod(
                [ctr("a", sc={"allowPrivilegeEscalation": True}), ctr("b", sc=NO)], init=[ctr("i")]
            ),
            'containers "i", "a" must set securityContext.allowPrivilegeEscalation=false',
        ),
    ],
)
def test_allow_privilege_escalation(obj: dict[str, Any], detail: str | None) -> None:
    result = run(allow_privilege_escalation_v1_8, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("allowPrivilegeEscalation != false", detail)


def test_windows_exempt_from_v1_25() -> None:
    obj = pod([ctr("a")], os={"name": "windows"})
    assert not run(allow_privilege_escalation_v1_8, obj).allowed
    assert run(allow_privilege_escalation_v1_25, obj).allowed
