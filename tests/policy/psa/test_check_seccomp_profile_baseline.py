from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_seccomp_profile_baseline import (
    seccomp_profile_baseline_v1_0,
    seccomp_profile_baseline_v1_19,
)

from ._pods import ctr, pod, run

POD_KEY = "seccomp.security.alpha.kubernetes.io/pod"
CTR_KEY = "container.seccomp.security.alpha.kubernetes.io/"


@pytest.mark.parametrize(
    ("annotations", "detail", "paths"),
    [
        ({POD_KEY: "runtime/default", CTR_KEY + "a": "localhost/x"}, None, ()),
        (
            {POD_KEY: "unconfined"},
            f'forbidden annotation {POD_KEY}="unconfined"',
            (f'metadata.annotations["{POD_KEY}"]',),
        ),
        (
            {CTR_KEY + "a": "unconfined", CTR_KEY + "i": "unconfined"},
            f'forbidden annotations {CTR_KEY}i="unconfined", {CTR_KEY}a="unconfined"',
            (f'metadata.annotations["{CTR_KEY}i"]', f'metadata.annotations["{CTR_KEY}a"]'),
        ),
        # an annotation for a container that does not exist has no effect
        ({CTR_KEY + "ghost": "unconfined"}, None, ()),
    ],
)
def test_annotations_v1_0(
    annotations: dict[str, str], detail: str | None, paths: tuple[str, ...]
) -> None:
    result = run(
        seccomp_profile_baseline_v1_0, pod([ctr("a")], init=[ctr("i")], annotations=annotations)
    )
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail, result.field_paths) == (
            "seccompProfile",
            detail,
            paths,
        )


UNCONFINED: dict[str, Any] = {"seccompProfile": {"type": "Unconfined"}}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod([ctr(sc={"seccompProfile": {"type": "RuntimeDefault"}})]), None),
        (pod([ctr()]), None),  # unset is fine at baseline
        (
            pod(sc=UNCONFINED),
            'pod must not set securityContext.seccompProfile.type to "Unconfined"',
        ),
        (
            pod([ctr("a", sc=UNCONFINED)], sc=UNCONFINED),
            'pod and container "a" must not set securityContext.seccompProfile.type to '
            '"Unconfined"',
        ),
    ],
)
def test_fields_v1_19(obj: dict[str, Any], detail: str | None) -> None:
    result = run(seccomp_profile_baseline_v1_19, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("seccompProfile", detail)
