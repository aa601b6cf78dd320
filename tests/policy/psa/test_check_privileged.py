from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_privileged import CHECK, privileged_v1_0

from ._pods import ctr, pod, run


@pytest.mark.parametrize(
    ("obj", "detail", "paths"),
    [
        (pod([ctr(sc={"privileged": False})]), None, ()),
        (pod([ctr(sc={})]), None, ()),
        (
            pod([ctr("a", sc={"privileged": True})]),
            'container "a" must not set securityContext.privileged=true',
            ("spec.containers[0].securityContext.privileged",),
        ),
        (
            pod(
                [ctr("a", sc={"privileged": True}), ctr("b")], init=[ctr("i", {"privileged": True})]
            ),
            'containers "i", "a" must not set securityContext.privileged=true',
            (
                "spec.initContainers[0].securityContext.privileged",
                "spec.containers[0].securityContext.privileged",
            ),
        ),
    ],
)
def test_privileged(obj: dict[str, Any], detail: str | None, paths: tuple[str, ...]) -> None:
    result = run(privileged_v1_0, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert result.reason == "privileged"
        assert result.detail == detail
        assert result.field_paths == paths


def test_ephemeral_containers_are_checked() -> None:
    obj = pod(ephemeralContainers=[ctr("debug", {"privileged": True})])
    result = run(privileged_v1_0, obj)
    assert result.field_paths == ("spec.ephemeralContainers[0].securityContext.privileged",)


def test_declaration() -> None:
    assert (CHECK.id, CHECK.level) == ("privileged", "baseline")
    assert [v.minimum_version for v in CHECK.versions] == [0]
