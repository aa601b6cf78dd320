from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_windows_host_process import windows_host_process_v1_0

from ._pods import ctr, pod, run

HP = {"windowsOptions": {"hostProcess": True}}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod(sc={"windowsOptions": {"hostProcess": False}}), None),
        (pod([ctr(sc={"windowsOptions": {}})]), None),
        (pod(sc=HP), "pod must not set securityContext.windowsOptions.hostProcess=true"),
        (
            pod([ctr("a", sc=HP), ctr("b", sc=HP)], sc=HP),
            'pod and containers "a", "b" must not set '
            "securityContext.windowsOptions.hostProcess=true",
        ),
    ],
)
def test_host_process(obj: dict[str, Any], detail: str | None) -> None:
    result = run(windows_host_process_v1_0, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("hostProcess", detail)
