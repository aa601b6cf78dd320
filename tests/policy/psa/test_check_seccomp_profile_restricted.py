from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_seccomp_profile_restricted import (
    seccomp_profile_restricted_v1_19,
    seccomp_profile_restricted_v1_25,
)

from ._pods import ctr, pod, run

RD: dict[str, Any] = {"seccompProfile": {"type": "RuntimeDefault"}}
LH: dict[str, Any] = {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}
UNC: dict[str, Any] = {"seccompProfile": {"type": "Unconfined"}}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod([ctr("a")], sc=RD), None),
        (pod([ctr("a")], sc=LH), None),
        (pod([ctr("a", sc=RD)], init=[ctr("i", sc=LH)]), None),
        (
            pod([ctr("a")]),
            'pod or container "a" must set securityContext.seccompProfile.type to '
            '"RuntimeDefault" or "Localhost"',
        ),
        (
            pod([ctr("a", sc=RD), ctr("b")], init=[ctr("i")]),
            'pod or containers "i", "b" must set securityContext.seccompProfile.type to '
            '"RuntimeDefault" or "Localhost"',
        ),
        (
            pod([ctr("a")], sc=UNC),
            'pod must not set securityContext.seccompProfile.type to "Unconfined"',
        ),
        # explicit bad values are reported before containers that merely left it unset
        (
            pod([ctr("a", sc=UNC), ctr("b")]),
            'container "a" must not set securityContext.seccompProfile.type to "Unconfined"',
        ),
        (
            pod([ctr("a", sc={"seccompProfile": {}})], sc=RD),
            'container "a" must not set securityContext.seccompProfile.type to ""',
        ),
    ],
)
def test_seccomp_restricted(obj: dict[str, Any], detail: str | None) -> None:
    result = run(seccomp_profile_restricted_v1_19, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("seccompProfile", detail)


def test_windows_exempt_from_v1_25() -> None:
    obj = pod([ctr("a")], os={"name": "windows"})
    assert not run(seccomp_profile_restricted_v1_19, obj).allowed
    assert run(seccomp_profile_restricted_v1_25, obj).allowed
