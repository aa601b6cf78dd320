from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_selinux_options import se_linux_options_v1_0, se_linux_options_v1_31

from ._pods import ctr, pod, run


def se(**options: str) -> dict[str, Any]:
    return {"seLinuxOptions": options}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod(sc=se(type="container_t", level="s0:c1,c2")), None),
        (
            pod(
                [ctr(sc=se(type="container_init_t"))],
                init=[ctr("i", sc=se(type="container_kvm_t"))],
            ),
            None,
        ),
        (
            pod(sc=se(type="spc_t")),
            'pod set forbidden securityContext.seLinuxOptions: type "spc_t"',
        ),
        (
            pod(sc=se(user="system_u")),
            "pod set forbidden securityContext.seLinuxOptions: user may not be set",
        ),
        (
            pod([ctr("a", sc=se(role="r", type="x_t"))], sc=se(type="y_t")),
            'pod and container "a" set forbidden securityContext.seLinuxOptions: '
            'types "x_t", "y_t"; role may not be set',
        ),
    ],
)
def test_selinux(obj: dict[str, Any], detail: str | None) -> None:
    result = run(se_linux_options_v1_0, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("seLinuxOptions", detail)


def test_container_engine_t_allowed_from_v1_31() -> None:
    obj = pod(sc=se(type="container_engine_t"))
    assert not run(se_linux_options_v1_0, obj).allowed
    assert run(se_linux_options_v1_31, obj).allowed
