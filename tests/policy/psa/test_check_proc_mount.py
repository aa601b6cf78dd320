from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_proc_mount import proc_mount_v1_0, proc_mount_v1_35
from unroot.policy.psa.check_proc_mount_restricted import CHECK, proc_mount_restricted_v1_35

from ._pods import ctr, pod, run

UNMASKED = {"procMount": "Unmasked"}


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod([ctr(sc={"procMount": "Default"})]), None),
        (pod([ctr(sc={})]), None),
        (
            pod([ctr("a", sc=UNMASKED)]),
            'container "a" must not set securityContext.procMount to "Unmasked"',
        ),
        (
            pod([ctr("a", sc=UNMASKED)], init=[ctr("i", sc={"procMount": "Other"})]),
            'containers "i", "a" must not set securityContext.procMount to "Other", "Unmasked"',
        ),
    ],
)
def test_proc_mount(obj: dict[str, Any], detail: str | None) -> None:
    for fn in (proc_mount_v1_0, proc_mount_v1_35, proc_mount_restricted_v1_35):
        result = run(fn, obj)
        assert result.allowed is (detail is None)
        if detail is not None:
            assert (result.reason, result.detail) == ("procMount", detail)


@pytest.mark.parametrize(
    ("host_users", "v1_0", "v1_35", "restricted"),
    [
        (False, False, True, False),  # user namespace: baseline relaxes from 1.35 only
        (True, False, False, False),
        (None, False, False, False),
    ],
)
def test_user_namespace_relaxation(
    host_users: bool | None, v1_0: bool, v1_35: bool, restricted: bool
) -> None:
    fields = {} if host_users is None else {"hostUsers": host_users}
    obj = pod([ctr(sc=UNMASKED)], **fields)
    assert run(proc_mount_v1_0, obj).allowed is v1_0
    assert run(proc_mount_v1_35, obj).allowed is v1_35
    assert run(proc_mount_restricted_v1_35, obj).allowed is restricted


def test_restricted_overrides_baseline_from_1_35() -> None:
    assert [(v.minimum_version, v.overrides) for v in CHECK.versions] == [(35, ("procMount",))]
