from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_app_armor_profile import app_armor_profile_v1_0

from ._pods import ctr, pod, run

KEY = "container.apparmor.security.beta.kubernetes.io/"


@pytest.mark.parametrize(
    ("obj", "reason", "detail"),
    [
        (pod(annotations={KEY + "c": "runtime/default", KEY + "d": "localhost/prof"}), None, None),
        (pod(sc={"appArmorProfile": {"type": "RuntimeDefault"}}), None, None),
        (
            pod([ctr(sc={"appArmorProfile": {"type": "Localhost", "localhostProfile": "x"}})]),
            None,
            None,
        ),
        (
            pod(annotations={KEY + "c": "unconfined"}),
            "forbidden AppArmor profile",
            f'annotation {KEY}c="unconfined"',
        ),
        (
            pod(sc={"appArmorProfile": {"type": "Unconfined"}}),
            "forbidden AppArmor profile",
            'pod must not set securityContext.appArmorProfile.type to "Unconfined"',
        ),
        (
            pod(
                [ctr("a", sc={"appArmorProfile": {"type": "Unconfined"}})],
                annotations={KEY + "a": "unconfined"},
            ),
            "forbidden AppArmor profiles",
            'container "a" must not set securityContext.appArmorProfile.type to "Unconfined"; '
            f'annotation {KEY}a="unconfined"',
        ),
    ],
)
def test_app_armor(obj: dict[str, Any], reason: str | None, detail: str | None) -> None:
    result = run(app_armor_profile_v1_0, obj)
    assert result.allowed is (reason is None)
    if reason is not None:
        assert (result.reason, result.detail) == (reason, detail)
        assert result.field_paths
