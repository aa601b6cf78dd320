from __future__ import annotations

from typing import Any

import pytest

from unroot.policy.psa.check_host_ports import host_ports_v1_0

from ._pods import ctr, pod, run


@pytest.mark.parametrize(
    ("obj", "detail"),
    [
        (pod([ctr(ports=[{"containerPort": 80}])]), None),
        (pod([ctr(ports=[{"containerPort": 80, "hostPort": 0}])]), None),
        (
            pod([ctr("a", ports=[{"containerPort": 80, "hostPort": 80}])]),
            'container "a" uses hostPort 80',
        ),
        (
            pod(
                [
                    ctr("a", ports=[{"hostPort": 10}, {"hostPort": 20}]),
                    ctr("b", ports=[{"hostPort": 30}]),
                ]
            ),
            'containers "a", "b" use hostPorts 10, 20, 30',
        ),
    ],
)
def test_host_ports(obj: dict[str, Any], detail: str | None) -> None:
    result = run(host_ports_v1_0, obj)
    assert result.allowed is (detail is None)
    if detail is not None:
        assert (result.reason, result.detail) == ("hostPort", detail)


def test_paths_point_at_each_host_port() -> None:
    obj = pod(
        [ctr(ports=[{"containerPort": 1}, {"hostPort": 20}])],
        init=[ctr("i", ports=[{"hostPort": 5}])],
    )
    assert run(host_ports_v1_0, obj).field_paths == (
        "spec.initContainers[0].ports[0].hostPort",
        "spec.containers[0].ports[1].hostPort",
    )
