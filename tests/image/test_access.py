"""The access model's own cases: absolute links, runtime paths, unknown metadata, evidence."""

from __future__ import annotations

from dataclasses import dataclass

from unroot.image.access import AccessModel, Identity, Need, permits


@dataclass(frozen=True)
class N:
    type: str = "dir"
    mode: int | None = 0o755
    uid: int | None = 0
    gid: int | None = 0
    linkname: str = ""


def model(tree: dict[str, N], who: Identity | None = None) -> AccessModel:
    return AccessModel(tree.get, who or Identity())


def test_absolute_symlink_resolves_inside_the_image() -> None:
    tree = {
        "/var": N(),
        "/var/run": N("symlink", 0o777, linkname="/run"),
        "/run": N(mode=0o755),
        "/run/redis": N(mode=0o2775, uid=100, gid=0),
    }
    m = model(tree)
    assert m.can("/var/run/redis/redis.pid", Need.WRITE) is True
    refused = m.check("/var/run/app.pid", Need.WRITE)
    assert refused.allowed is False
    assert refused.blocker == "/run"
    assert "mode 0755, owner 0:0" in refused.reason


def test_daemon_owned_paths_block_like_root_owned_ones() -> None:
    tree = {
        "/etc": N(),
        "/etc/redis": N(mode=0o2770, uid=100, gid=102),
        "/etc/redis/redis.conf": N("file", 0o640, 100, 102),
        "/var": N(),
        "/var/lib": N(),
        "/var/lib/redis": N(mode=0o750, uid=100, gid=102),
    }
    m = model(tree)
    read = m.check("/etc/redis/redis.conf", Need.READ)
    assert read.allowed is False and read.blocker == "/etc/redis"
    assert m.can("/var/lib/redis", Need.CREATE_IN) is False
    # the daemon's own user can
    assert model(tree, Identity(100, 102)).can("/etc/redis/redis.conf", Need.READ) is True


def test_runtime_paths_are_always_usable() -> None:
    tree = {"/var": N(), "/var/log": N(), "/var/log/app.log": N("symlink", linkname="/dev/stdout")}
    m = model(tree)
    got = m.check("/var/log/app.log", Need.WRITE)
    assert got.allowed is True and got.special
    assert m.can("/proc/self/fd/2", Need.WRITE) is True
    assert m.can("/dev/shm/lock", Need.WRITE) is True
    # the runtime's /dev is a tmpfs owned by root: a new socket there cannot be created
    log = m.check("/dev/log", Need.WRITE)
    assert log.allowed is False and log.blocker == "/dev"


def test_missing_parent_is_named() -> None:
    m = model({"/var": N(mode=0o777)})
    got = m.check("/var/lib/nginx/body", Need.MKDIR)
    assert got.allowed is False
    assert got.reason == "/var/lib does not exist"


def test_unknown_metadata_gives_unknown_not_a_guess() -> None:
    unknown_owner = N(mode=0o775, uid=None, gid=None)
    assert permits(unknown_owner, Identity(), 3) is None
    # every class grants write+search: the owner does not matter
    assert permits(N(mode=0o777, uid=None, gid=None), Identity(), 3) is True
    # no class grants it
    assert permits(N(mode=0o555, uid=None, gid=None), Identity(), 2) is False
    assert permits(N(mode=None), Identity(), 4) is None
    m = model({"/data": unknown_owner})
    got = m.check("/data", Need.CREATE_IN)
    assert got.allowed is None and got.blocker == "/data"


def test_group_zero_and_supplementary_groups() -> None:
    node = N(mode=0o070, uid=5, gid=7)
    assert permits(node, Identity(), 7) is False
    assert permits(node, Identity(groups=frozenset({7})), 7) is True
    assert permits(N(mode=0o070, uid=5, gid=0), Identity(), 7) is True


def test_symlink_loop_is_refused() -> None:
    m = model({"/a": N("symlink", linkname="/b"), "/b": N("symlink", linkname="/a")})
    got = m.check("/a/x", Need.READ)
    assert got.allowed is False and "symlinks" in got.reason
