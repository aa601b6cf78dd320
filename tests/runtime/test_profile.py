"""The restricted and user-namespaced profiles as podman arguments, the io.unroot.* labels,
and the podman run line users are shown."""

from __future__ import annotations

import itertools
import shlex

import pytest

from unroot.errors import InputError, UsageError
from unroot.runtime.labels import parse_pair, ports_from_labels, tmpfs_from_labels
from unroot.runtime.profile import (
    DEFAULT_UID,
    SESSION_LABEL,
    Published,
    RunOptions,
    build_spec,
    default_uid,
    equivalent_command,
)


def pairs(args: list[str]) -> list[tuple[str, str]]:
    return list(itertools.pairwise(args))


def test_restricted_profile() -> None:
    spec = build_spec(RunOptions(image="img", published=(Published(21000, 8080),)), rootless=False)
    args = spec.to_args()
    assert ("--user", "1000680000:0") in pairs(args)
    assert ("--cap-drop", "ALL") in pairs(args)
    assert ("--security-opt", "no-new-privileges") in pairs(args)
    assert ("--publish", "127.0.0.1:21000:8080/tcp") in pairs(args)
    assert not any(a.startswith("--userns") for a in args)
    assert args[-1] == "img"


def test_userns_profile_keeps_the_image_user_and_namespaced_capabilities() -> None:
    rootful = build_spec(RunOptions(image="img", userns=True), rootless=False).to_args()
    assert "--userns=auto:size=65536" in rootful
    assert "--user" not in rootful
    assert "--cap-drop" not in rootful
    assert ("--security-opt", "no-new-privileges") in pairs(rootful)
    rootless = build_spec(RunOptions(image="img", userns=True), rootless=True).to_args()
    assert not any(a.startswith("--userns") for a in rootless)


def test_rootless_uid_fits_the_user_namespace() -> None:
    assert default_uid(False, 0) == DEFAULT_UID
    assert default_uid(True, 65536) == 64536
    assert default_uid(True, 2**32) == DEFAULT_UID
    with pytest.raises(UsageError, match="subuid"):
        default_uid(True, 0)
    spec = build_spec(RunOptions(image="img"), rootless=True, subuid_count=65536)
    assert spec.user == "64536:0"


def test_read_only_adds_tmpfs_only_with_read_only() -> None:
    ro = build_spec(RunOptions(image="i", read_only=True, tmpfs=("/a", "/a", "/b")), rootless=False)
    args = ro.to_args()
    assert "--read-only" in args
    assert [b for a, b in pairs(args) if a == "--tmpfs"] == ["/a", "/b"]
    rw = build_spec(RunOptions(image="i", tmpfs=("/a",)), rootless=False).to_args()
    assert "--tmpfs" not in rw and "--read-only" not in rw


def test_equivalent_command_is_reusable_and_hides_internal_bookkeeping() -> None:
    spec = build_spec(
        RunOptions(
            image="localhost/x:1",
            command=("sh", "-c", "echo 'a b'"),
            name="unroot-verify-abc",
            labels={SESSION_LABEL: "abc"},
            env={"K": "v w"},
        ),
        rootless=False,
    )
    line = equivalent_command(spec)
    argv = shlex.split(line)
    assert argv[:3] == ["podman", "run", "--rm"]
    assert argv[-4:] == ["localhost/x:1", "sh", "-c", "echo 'a b'"]
    assert ("--env", "K=v w") in pairs(argv)
    assert SESSION_LABEL not in line and "unroot-verify-abc" not in line


def test_port_labels() -> None:
    labels = {"io.unroot.ports": "80:8080, 443:8443,53:5353/udp"}
    assert [str(p) for p in ports_from_labels(labels)] == ["80:8080", "443:8443", "53:5353/udp"]
    assert ports_from_labels({}) == ()
    assert str(parse_pair("8080")) == "8080:8080"


@pytest.mark.parametrize(
    "value", ["80", "80:8080,x", "80:0", "80:8080/sctp", "a:b", "80:8080,81:8080", "70000:1"]
)
def test_bad_port_labels_are_input_errors(value: str) -> None:
    labels = {"io.unroot.ports": value}
    if value == "80":
        assert str(ports_from_labels(labels)[0]) == "80:80"
        return
    with pytest.raises(InputError):
        ports_from_labels(labels)


def test_tmpfs_label() -> None:
    assert tmpfs_from_labels({"io.unroot.tmpfs": "/run/x, /var/cache/y"}) == (
        "/run/x",
        "/var/cache/y",
    )
    for bad in ("relative", "/a/../etc", "/a:rw"):
        with pytest.raises(InputError):
            tmpfs_from_labels({"io.unroot.tmpfs": bad})
