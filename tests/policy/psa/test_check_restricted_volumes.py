from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_restricted_volumes import (
    ALLOWED_SOURCES_V1_0,
    CHECK,
    restricted_volumes_v1_0,
)

from ._pods import pod, run


def test_allowed_sources_and_defaulted_empty_dir() -> None:
    volumes: list[dict[str, Any]] = [{"name": src, src: {}} for src in sorted(ALLOWED_SOURCES_V1_0)]
    volumes.append({"name": "no-source"})  # the API server defaults this to emptyDir
    volumes.append({"name": "nulls", "hostPath": None, "emptyDir": {}})
    assert run(restricted_volumes_v1_0, pod(volumes=volumes)).allowed


@pytest.mark.parametrize(
    ("volumes", "detail", "paths"),
    [
        (
            [{"name": "volume1", "hostPath": {"path": "/dev/null"}}],
            'volume "volume1" uses restricted volume type "hostPath"',
            ("spec.volumes[0].hostPath",),
        ),
        (
            [
                {"name": "ok", "emptyDir": {}},
                {"name": "a", "nfs": {}},
                {"name": "b", "gitRepo": {}},
            ],
            'volumes "a", "b" use restricted volume types "gitRepo", "nfs"',
            ("spec.volumes[1].nfs", "spec.volumes[2].gitRepo"),
        ),
        # an unknown source is restricted under its own name (fail closed)
        (
            [{"name": "x", "somethingNew": {}}],
            'volume "x" uses restricted volume type "somethingNew"',
            ("spec.volumes[0].somethingNew",),
        ),
    ],
)
def test_restricted(volumes: list[dict[str, Any]], detail: str, paths: tuple[str, ...]) -> None:
    result = run(restricted_volumes_v1_0, pod(volumes=volumes))
    assert (result.allowed, result.reason, result.detail, result.field_paths) == (
        False,
        "restricted volume types",
        detail,
        paths,
    )


def test_overrides_host_path_volumes() -> None:
    assert CHECK.versions[0].overrides == ("hostPathVolumes",)
