from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_run_as_non_root import run_as_non_root_v1_0, run_as_non_root_v1_35

from ._pods import ctr, pod, run

T: dict[str, Any] = {"runAsNonRoot": True}
F: dict[str, Any] = {"runAsNonRoot": False}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod([ctr("a")], sc=T), None),
        (pod([ctr("a", sc=T)], init=[ctr("i", sc=T)]), None),
        (pod([ctr("a")]), 'pod or container "a" must set securityContext.runAsNonRoot=true'),
        (
            pod([ctr("a", sc=T), ctr("b")], init=[ctr("i")]),
            'pod or containers "i", "b" must set securityContext.runAsNonRoot=true',
        ),
        (pod([ctr("a")], sc=F), "pod must not set securityContext.runAsNonRoot=false"),
        (
            pod([ctr("a", sc=F), ctr("b")], sc=F),
            'pod and container "a" must not set securityContext.runAsNonRoot=false',
        ),
        # a container cannot opt out of a pod-level true
        (
            pod([ctr("a", sc=F)], sc=T),
            'container "a" must not set securityContext.runAsNonRoot=false',
        ),
    ],
)
def test_run_as_non_root(obj: dict[str, Any], detail: str | None) -> None:
    result = run(run_as_non_root_v1_0, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("runAsNonRoot != true", detail)


def test_user_namespace_relaxation_from_1_35() -> None:
    userns = pod([ctr("a")], hostUsers=False)
    assert not run(run_as_non_root_v1_0, userns).allowed
    assert run(run_as_non_root_v1_35, userns).allowed
    assert not run(run_as_non_root_v1_35, pod([ctr("a")], hostUsers=True)).allowed
