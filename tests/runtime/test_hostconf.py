"""The host-quirk decision is a pure function of facts: test it on hand-written hosts."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from unroot.errors import ToolError
from unroot.runtime.hostconf import (
    CAP_SYS_RESOURCE,
    PODMAN_ROOTFUL_NOFILE,
    PODMAN_ROOTFUL_NPROC,
    HostFacts,
    cgroup_layout_from_mounts,
    decide,
    default_conf_dir,
    has_capability,
    parse_cap_eff,
    write_containers_conf,
)
from unroot.runtime.podman import Podman

# A host like the CI machine: root without CAP_SYS_RESOURCE, hybrid cgroups, runc only.
CI_HOST = HostFacts(
    euid=0,
    cap_sys_resource=False,
    nofile_hard=20000,
    nproc_hard=96365,
    cgroup_layout="hybrid",
    runtimes=("runc",),
    systemd_running=False,
    journald_running=False,
    dev_net_tun_readable=True,
    newuidmap=True,
)


def conf(facts: HostFacts) -> dict[str, dict[str, object]]:
    return tomllib.loads(decide(facts).containers_conf)


def test_ci_host_keeps_host_ulimits_and_uses_runc_cgroupfs() -> None:
    settings = decide(CI_HOST)
    assert settings.global_args == ("--runtime", "runc", "--cgroup-manager", "cgroupfs")
    parsed = conf(CI_HOST)
    assert parsed["containers"]["default_ulimits"] == []
    assert parsed["engine"]["runtime"] == "runc"
    assert parsed["engine"]["cgroup_manager"] == "cgroupfs"
    assert settings.problems == ()


def test_cap_sys_resource_lets_podman_raise_limits() -> None:
    facts = dataclasses.replace(CI_HOST, cap_sys_resource=True)
    assert "default_ulimits" not in conf(facts)["containers"]


def test_high_enough_hard_limits_need_no_override() -> None:
    facts = dataclasses.replace(
        CI_HOST, nofile_hard=PODMAN_ROOTFUL_NOFILE, nproc_hard=PODMAN_ROOTFUL_NPROC
    )
    assert "default_ulimits" not in conf(facts)["containers"]


@pytest.mark.parametrize(
    ("nofile", "nproc"),
    [(PODMAN_ROOTFUL_NOFILE - 1, PODMAN_ROOTFUL_NPROC), (PODMAN_ROOTFUL_NOFILE, 1024)],
)
def test_either_low_limit_triggers_override(nofile: int, nproc: int) -> None:
    facts = dataclasses.replace(CI_HOST, nofile_hard=nofile, nproc_hard=nproc)
    assert conf(facts)["containers"]["default_ulimits"] == []


def test_rootless_inherits_limits_anyway() -> None:
    facts = dataclasses.replace(CI_HOST, euid=1000)
    assert "default_ulimits" not in conf(facts)["containers"]


@pytest.mark.parametrize(
    ("layout", "runtimes", "expected"),
    [
        ("hybrid", ("runc", "crun"), "runc"),
        ("v1", ("runc", "crun"), "runc"),
        ("unified", ("runc", "crun"), "crun"),
        ("unified", ("runc",), "runc"),
        ("hybrid", ("crun",), "crun"),
    ],
)
def test_runtime_choice_follows_cgroup_layout(
    layout: str, runtimes: tuple[str, ...], expected: str
) -> None:
    facts = dataclasses.replace(CI_HOST, cgroup_layout=layout, runtimes=runtimes)  # type: ignore[arg-type]
    settings = decide(facts)
    assert settings.runtime == expected
    assert settings.global_args[:2] == ("--runtime", expected)


def test_no_runtime_is_a_problem() -> None:
    settings = decide(dataclasses.replace(CI_HOST, runtimes=()))
    assert settings.runtime is None
    assert "--runtime" not in settings.global_args
    assert any("runc" in p for p in settings.problems)


def test_systemd_cgroup_manager_only_with_systemd() -> None:
    with_systemd = dataclasses.replace(CI_HOST, systemd_running=True)
    assert decide(with_systemd).cgroup_manager == "systemd"
    rootless_v1 = dataclasses.replace(with_systemd, euid=1000)
    assert decide(rootless_v1).cgroup_manager == "cgroupfs"
    rootless_v2 = dataclasses.replace(rootless_v1, cgroup_layout="unified")
    assert decide(rootless_v2).cgroup_manager == "systemd"


def test_rootless_problems_name_the_missing_piece() -> None:
    facts = dataclasses.replace(CI_HOST, euid=1000, dev_net_tun_readable=False, newuidmap=False)
    problems = " ".join(decide(facts).problems)
    assert "/dev/net/tun" in problems
    assert "uidmap" in problems
    # root does not need either
    root = dataclasses.replace(facts, euid=0)
    assert decide(root).problems == ()


def test_events_logger_follows_journald() -> None:
    assert conf(CI_HOST)["engine"]["events_logger"] == "file"
    with_journald = dataclasses.replace(CI_HOST, journald_running=True)
    assert "events_logger" not in conf(with_journald)["engine"]


def test_decide_is_deterministic() -> None:
    assert decide(CI_HOST) == decide(dataclasses.replace(CI_HOST))


def test_parse_cap_eff_and_bit() -> None:
    without = "Name:\tx\nCapEff:\t000001fffeffffff\n"
    with_it = "CapEff:\t000001ffffffffff\n"
    assert not has_capability(parse_cap_eff(without), CAP_SYS_RESOURCE)
    assert has_capability(parse_cap_eff(with_it), CAP_SYS_RESOURCE)
    assert parse_cap_eff("Name:\tx\n") == 0


HYBRID_MOUNTS = """\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
"""


@pytest.mark.parametrize(
    ("mounts", "layout"),
    [
        (HYBRID_MOUNTS, "hybrid"),
        ("\n".join(HYBRID_MOUNTS.splitlines()[:3]), "v1"),
        ("cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n", "unified"),
        ("proc /proc proc rw 0 0\n", "none"),
    ],
)
def test_cgroup_layout_from_mounts(mounts: str, layout: str) -> None:
    assert cgroup_layout_from_mounts(mounts) == layout


def test_containers_conf_written_atomically_and_shared(tmp_path: Path) -> None:
    text = decide(CI_HOST).containers_conf
    first = write_containers_conf(text, tmp_path)
    second = write_containers_conf(text, tmp_path)
    assert first == second
    assert first.read_text() == text
    other = write_containers_conf(text + "# other\n", tmp_path)
    assert other != first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, other.name])


def test_conf_dir_prefers_xdg_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert default_conf_dir() == tmp_path / "unroot"
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "missing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_conf_dir() == tmp_path / "cache" / "unroot"


def test_missing_podman_is_a_tool_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match="podman not found"):
        Podman.detect(conf_dir=tmp_path)


# An ordinary workstation: pure cgroup v2 under systemd, crun, podman may raise its rlimits.
WORKSTATION = dataclasses.replace(
    CI_HOST,
    cap_sys_resource=True,
    cgroup_layout="unified",
    runtimes=("crun", "runc"),
    systemd_running=True,
    journald_running=True,
    subuid_ranges=65536,
)


def test_ordinary_workstation_keeps_podmans_own_configuration() -> None:
    settings = decide(WORKSTATION)
    assert settings.global_args == ()
    assert settings.containers_conf == ""
    assert not settings.needs_conf
    assert settings.problems == ()


def test_one_quirk_is_enough_to_override() -> None:
    for quirk in (
        {"cgroup_layout": "hybrid"},
        {"systemd_running": False},
        {"cap_sys_resource": False},
        {"journald_running": False},
    ):
        settings = decide(dataclasses.replace(WORKSTATION, **quirk))  # type: ignore[arg-type]
        assert settings.needs_conf, quirk


def test_ordinary_host_passes_no_containers_conf(tmp_path: Path) -> None:
    settings = decide(WORKSTATION)
    podman = Podman("/usr/bin/podman", settings, None, WORKSTATION)
    assert "CONTAINERS_CONF" not in podman.env({"PATH": "/usr/bin"})
    assert podman.command(["ps"]) == ["/usr/bin/podman", "ps"]


def test_userns_needs_subordinate_ranges() -> None:
    assert decide(WORKSTATION).userns_problem is None
    missing = decide(dataclasses.replace(WORKSTATION, subuid_ranges=0)).userns_problem
    assert missing is not None and "containers:" in missing and "/etc/subuid" in missing
    rootless = decide(dataclasses.replace(WORKSTATION, euid=1000, subuid_ranges=0)).userns_problem
    assert rootless is not None and "this user" in rootless


def test_subordinate_count() -> None:
    from unroot.runtime.hostconf import subordinate_count

    text = "alice:100000:65536\ncontainers:2147483647:2147483648\n# x\nbad\nbob:1:x\n"
    assert subordinate_count(text, ("containers",)) == 2147483648
    assert subordinate_count(text, ("alice", "1000")) == 65536
    assert subordinate_count(text, ("carol",)) == 0


def test_expensive_facts_are_cached_per_boot_and_binary(tmp_path: Path) -> None:
    from unroot.runtime.hostconf import CACHE_NAME, probe_host_facts

    first = probe_host_facts(tmp_path)
    cache = tmp_path / CACHE_NAME
    assert cache.is_file()
    assert probe_host_facts(tmp_path) == first
    # a different key (another boot, a new runc...) is probed again, not trusted
    import json

    data = json.loads(cache.read_text())
    data["facts"]["runtimes"] = ["imaginary"]
    cache.write_text(json.dumps(data))
    assert probe_host_facts(tmp_path).runtimes == ("imaginary",)
    data["key"] = "another boot"
    cache.write_text(json.dumps(data))
    assert probe_host_facts(tmp_path) == first
    cache.write_text("{not json")
    assert probe_host_facts(tmp_path) == first
