"""The API server's SCC defaulting, on its own (the conformance corpus takes SCCs as given)."""

from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.scc.defaults import apply_defaults
from unroot.policy.scc.volumes import FS_TYPES

ALL_BUT_HOST_PATH = sorted(FS_TYPES - {"hostPath"})


def scc(**fields: Any) -> dict[str, Any]:
    return {"kind": "SecurityContextConstraints", "metadata": {"name": "s"}, **fields}


@pytest.mark.parametrize(
    ("volumes", "host_dir", "expected"),
    [
        (None, False, ALL_BUT_HOST_PATH),  # old clients: null means every type...
        (None, True, ["*"]),  # ...and hostPath too when the boolean says so
        ([], False, ["none"]),  # an empty list means none (protobuf cannot store it)
        ([], True, ["hostPath"]),
        (["*"], False, ALL_BUT_HOST_PATH),
        (["*"], True, ["*"]),
        (["secret", "hostPath"], False, ["secret"]),  # the boolean wins over the list
        (["secret"], True, ["hostPath", "secret"]),
        (["secret", "configMap", "secret"], False, ["configMap", "secret"]),
    ],
)
def test_volumes(volumes: list[str] | None, host_dir: bool, expected: list[str]) -> None:
    out = apply_defaults(scc(volumes=volumes, allowHostDirVolumePlugin=host_dir))
    assert out["volumes"] == expected


def test_group_strategies_and_user_namespace_level() -> None:
    out = apply_defaults(scc(fsGroup={}, volumes=["*"]))
    assert out["fsGroup"] == {"type": "RunAsAny"}
    assert out["supplementalGroups"] == {"type": "RunAsAny"}
    assert out["userNamespaceLevel"] == "AllowHostLevel"
    kept = apply_defaults(
        scc(
            fsGroup={"type": "MustRunAs", "ranges": [{"min": 1, "max": 2}]},
            userNamespaceLevel="RequirePodLevel",
            volumes=["*"],
        )
    )
    assert kept["fsGroup"] == {"type": "MustRunAs", "ranges": [{"min": 1, "max": 2}]}
    assert kept["userNamespaceLevel"] == "RequirePodLevel"


def test_input_is_not_changed_and_defaulting_is_idempotent() -> None:
    raw = scc(volumes=None, fsGroup=None)
    once = apply_defaults(raw)
    assert raw == scc(volumes=None, fsGroup=None)
    assert apply_defaults(once) == once
