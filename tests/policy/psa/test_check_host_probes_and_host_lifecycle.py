from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_host_probes_and_host_lifecycle import (
    CHECK,
    host_probes_and_host_lifecycle_v1_34,
)

from ._pods import ctr, pod, run


@pytest.mark.parametrize(
    ("obj", "detail", "paths"),
    [
        (pod([ctr(livenessProbe={"httpGet": {"port": 8080}})]), None, ()),
        (pod([ctr(readinessProbe={"tcpSocket": {"port": 8080, "host": ""}})]), None, ()),
        (
            pod([ctr("a", livenessProbe={"httpGet": {"port": 80, "host": "bad.host"}})]),
            'container "a" uses probe or lifecycle host "bad.host"',
            ("spec.containers[0].livenessProbe.httpGet.host",),
        ),
        # loopback is a host too: the kubelet would probe the node itself
        (
            pod([ctr("a", startupProbe={"tcpSocket": {"port": 80, "host": "127.0.0.1"}})]),
            'container "a" uses probe or lifecycle host "127.0.0.1"',
            ("spec.containers[0].startupProbe.tcpSocket.host",),
        ),
        (
            pod(
                [ctr("a", lifecycle={"preStop": {"httpGet": {"port": 1, "host": "x"}}})],
                init=[ctr("i", readinessProbe={"tcpSocket": {"port": 1, "host": "::1"}})],
            ),
            'containers "i", "a" use probe or lifecycle hosts "::1", "x"',
            (
                "spec.initContainers[0].readinessProbe.tcpSocket.host",
                "spec.containers[0].lifecycle.preStop.httpGet.host",
            ),
        ),
    ],
)
def test_hosts(obj: dict[str, Any], detail: str | None, paths: tuple[str, ...]) -> None:
    result = run(host_probes_and_host_lifecycle_v1_34, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail, result.field_paths) == (
            "probe or lifecycle host",
            detail,
            paths,
        )


def test_starts_at_1_34() -> None:
    assert [v.minimum_version for v in CHECK.versions] == [34]
