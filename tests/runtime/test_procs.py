"""Process identity from the host's /proc, sampled over time, and the judgement of it."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from unroot.runtime.identity import cap_names, cap_text, judge
from unroot.runtime.procs import (
    IDENTITY,
    Observation,
    ProcessSampler,
    ProcStatus,
    parse_id_map,
    parse_status,
)


def test_parse_own_status() -> None:
    with open("/proc/self/status", encoding="utf-8") as fh:
        status = parse_status(fh.read())
    assert status is not None
    assert status.pid == os.getpid()
    assert status.uids[:3] == os.getresuid()
    assert status.gids[:3] == os.getresgid()
    assert parse_status("Name: x\n") is None


def test_id_maps() -> None:
    with open("/proc/self/uid_map", encoding="utf-8") as fh:
        own = parse_id_map(fh.read())
    assert own.identity == (own == IDENTITY)
    userns = parse_id_map("         0 2147483647      65536\n")
    assert not userns.identity
    assert userns.inside(2147483647) == 0
    assert userns.inside(2147483680) == 33
    assert userns.inside(0) is None


def _obs(
    uids: tuple[int, int, int, int], cap: int = 0, nnp: int = 1, userns: bool = False
) -> Observation:
    st = ProcStatus(1, 0, "x", uids, (0, 0, 0, 0), cap, cap, 0, nnp, 1)
    return Observation(st, uids, (0,) * 4, "", userns, 0.0, 0.0)


def test_judge_restricted() -> None:
    assert judge([_obs((1000680000,) * 4)], userns=False) == []
    saved_root = judge([_obs((1000680000, 1000680000, 0, 1000680000))], userns=False)
    assert ["UID 0" in str(v) for v in saved_root] == [True]
    caps = judge([_obs((5,) * 4, cap=1 << 10)], userns=False)
    assert "NET_BIND_SERVICE" in str(caps[0])
    assert "no_new_privs" in str(judge([_obs((5,) * 4, nnp=0)], userns=False)[0])


def test_judge_userns_allows_namespaced_root_and_caps_only_in_a_namespace() -> None:
    inside_root = _obs((2147483647,) * 4, cap=0xFF, userns=True)
    assert judge([inside_root], userns=True) == []
    assert "not in a user namespace" in str(judge([_obs((5,) * 4, userns=False)], userns=True)[0])
    assert "UID 0" in str(judge([_obs((0,) * 4, userns=True)], userns=True)[0])


def test_cap_names() -> None:
    assert cap_names(0) == []
    assert cap_names(1 | 1 << 21) == ["CHOWN", "SYS_ADMIN"]
    assert cap_text(0) == "0"
    assert cap_text(0xA80425FB).startswith("00000000a80425fb (CHOWN, DAC_OVERRIDE")


@pytest.mark.skipif(os.geteuid() != 0, reason="drops to UID 65534 with setpriv")
def test_sampler_follows_a_process_tree_through_its_life() -> None:
    proc = subprocess.Popen(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs", "--",
         "sh", "-c", "sleep 0.6 & sleep 0.3; exec sleep 0.5"],
    )  # fmt: skip
    sampler = ProcessSampler(proc.pid, interval=0.01).start()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while sampler.alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    observations = sampler.stop()
    names = {o.status.name for o in observations}
    assert {"sh", "sleep"} <= names
    pids = {o.status.pid for o in observations}
    assert len(pids) >= 3  # the shell, its background sleep, the foreground sleep
    later = [o for o in observations if o.status.pid == proc.pid and o.status.name == "sleep"]
    assert later, "the exec'd program was seen under the same PID"
    for o in observations:
        if o.status.name in ("sh", "sleep"):
            assert o.status.uids == (65534,) * 4
            assert o.status.cap_eff == 0 and o.status.no_new_privs == 1
    assert sampler.rounds > 20
    assert judge([o for o in observations if o.status.name in ("sh", "sleep")], userns=False) == []


def test_a_root_process_is_a_violation() -> None:
    proc = subprocess.Popen(["sleep", "0.5"])
    sampler = ProcessSampler(proc.pid, interval=0.01).start()
    time.sleep(0.1)
    observations = sampler.stop()
    proc.wait()
    if os.geteuid() == 0:
        what = " ".join(str(v) for v in judge(observations, userns=False))
        assert "UID 0 on the host" in what
