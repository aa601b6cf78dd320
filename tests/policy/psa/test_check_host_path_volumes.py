from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_host_path_volumes import host_path_volumes_v1_0

from ._pods import pod, run


@pytest.mark.parametrize(
    ("volumes", "detail", "paths"),
    [
        ([], None, ()),
        ([{"name": "e", "emptyDir": {}}, {"name": "n", "hostPath": None}], None, ()),
        (
            [{"name": "e", "emptyDir": {}}, {"name": "h", "hostPath": {"path": "/a"}}],
            'volume "h"',
            ("spec.volumes[1].hostPath",),
        ),
        (
            [{"name": "a", "hostPath": {"path": "/a"}}, {"name": "b", "hostPath": {"path": "/b"}}],
            'volumes "a", "b"',
            ("spec.volumes[0].hostPath", "spec.volumes[1].hostPath"),
        ),
    ],
)
def test_host_path(
    volumes: list[dict[str, Any]], detail: str | None, paths: tuple[str, ...]
) -> None:
    result = run(host_path_volumes_v1_0, pod(volumes=volumes))
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail, result.field_paths) == (
            "hostPath volumes",
            detail,
            paths,
        )
