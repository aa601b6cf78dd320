from __future__ import annotations

import pytest

from unroot.policy.psa.check_host_namespaces import host_namespaces_v1_0

from ._pods import pod, run


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({}, None),
        ({"hostNetwork": False, "hostPID": False, "hostIPC": False}, None),
        ({"hostNetwork": True}, "hostNetwork=true"),
        ({"hostIPC": True, "hostPID": True}, "hostPID=true, hostIPC=true"),
        (
            {"hostNetwork": True, "hostPID": True, "hostIPC": True},
            "hostNetwork=true, hostPID=true, hostIPC=true",
        ),
    ],
)
def test_host_namespaces(fields: dict[str, bool], detail: str | None) -> None:
    result = run(host_namespaces_v1_0, pod(**fields))
    assert result.allowed is (detail is None)
    if detail is not None:
        assert result.reason == "host namespaces"
        assert result.detail == detail
        assert result.field_paths == tuple(
            f"spec.{name}" for name in ("hostNetwork", "hostPID", "hostIPC") if fields.get(name)
        )
