from __future__ import annotations

import pytest

from unroot.policy.psa import check_sysctls as mod
from unroot.policy.psa.api import CheckFn

from ._pods import pod, run

# each version's function and the names that first became allowed in it
STEPS: list[tuple[CheckFn, list[str]]] = [
    (mod.sysctls_v1_0, ["kernel.shm_rmid_forced", "net.ipv4.ip_unprivileged_port_start"]),
    (mod.sysctls_v1_27, ["net.ipv4.ip_local_reserved_ports"]),
    (mod.sysctls_v1_29, ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout"]),
    (mod.sysctls_v1_32, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
    (mod.sysctls_v1_37, ["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"]),
]


def sysctl_pod(*names: str) -> dict[str, object]:
    return pod(sc={"sysctls": [{"name": n, "value": "1"} for n in names]})


@pytest.mark.parametrize("step", range(len(STEPS)))
def test_each_version_adds_names_and_keeps_older_ones(step: int) -> None:
    fn, _ = STEPS[step]
    for index, (_, names) in enumerate(STEPS):
        result = run(fn, sysctl_pod(*names))
        assert result.allowed is (index <= step), (step, names)


def test_detail_lists_forbidden_names() -> None:
    result = run(mod.sysctls_v1_0, sysctl_pod("kernel.shm_rmid_forced", "kernel.msgmax", "vm.x"))
    assert (result.reason, result.detail) == ("forbidden sysctls", "kernel.msgmax, vm.x")
    assert result.field_paths == (
        "spec.securityContext.sysctls[1].name",
        "spec.securityContext.sysctls[2].name",
    )
    single = run(mod.sysctls_v1_0, sysctl_pod("othersysctl"))
    assert (single.reason, single.detail) == ("forbidden sysctl", "othersysctl")
