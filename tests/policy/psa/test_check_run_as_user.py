from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_run_as_user import CHECK, run_as_user_v1_23, run_as_user_v1_35

from ._pods import ctr, pod, run

ROOT: dict[str, Any] = {"runAsUser": 0}


@pytest.mark.parametrize(
    ("obj", "detail", "paths"),
    [
        (pod([ctr(sc={"runAsUser": 1000})], sc={"runAsUser": 1000}), None, ()),
        (pod([ctr()]), None, ()),
        (pod(sc=ROOT), "pod must not set runAsUser=0", ("spec.securityContext.runAsUser",)),
        (
            pod([ctr("a", sc=ROOT)], init=[ctr("i", sc=ROOT)], sc=ROOT),
            'pod and containers "i", "a" must not set runAsUser=0',
            (
                "spec.securityContext.runAsUser",
                "spec.initContainers[0].securityContext.runAsUser",
                "spec.containers[0].securityContext.runAsUser",
            ),
        ),
    ],
)
def test_run_as_user(obj: dict[str, Any], detail: str | None, paths: tuple[str, ...]) -> None:
    result = run(run_as_user_v1_23, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail, result.field_paths) == ("runAsUser=0", detail, paths)


def test_user_namespace_relaxation_from_1_35() -> None:
    obj = pod([ctr(sc=ROOT)], hostUsers=False)
    assert not run(run_as_user_v1_23, obj).allowed
    assert run(run_as_user_v1_35, obj).allowed
    assert [v.minimum_version for v in CHECK.versions] == [23, 35]
