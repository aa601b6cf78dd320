"""User resolution: names, numbers and user:group, through the image's own passwd and group."""

import pytest

from unroot.image.users import parse_group, parse_passwd, resolve_user

PASSWD = parse_passwd(
    "root:x:0:0:root:/root:/bin/sh\n"
    "# comment\n"
    "\n"
    "broken line\n"
    "app:x:1001:1001:App:/home/app:/bin/sh\n"
    "ops:x:2000:0::/srv/ops:/bin/sh\n"
    "bad:x:notanumber:0::/:/bin/sh\n"
)
GROUPS = parse_group("root:x:0:\nstaff:x:50:app,ops\napp:x:1001:\n")


def test_parse_skips_comments_and_malformed_lines() -> None:
    assert [p.name for p in PASSWD] == ["root", "app", "ops"]
    assert [p.line for p in PASSWD] == [1, 5, 6]
    assert GROUPS[1].members == ("app", "ops")


@pytest.mark.parametrize(
    ("spec", "uid", "gid", "numeric"),
    [
        ("", 0, 0, False),
        ("root", 0, 0, False),
        ("0", 0, 0, True),
        ("0:0", 0, 0, True),
        ("0:50", 0, 50, True),
        ("root:50", 0, 50, False),
        ("root:staff", 0, 50, False),
    ],
)
def test_root_forms(spec: str, uid: int, gid: int, numeric: bool) -> None:
    user = resolve_user(spec, PASSWD, GROUPS)
    assert user.is_root
    assert (user.uid, user.gid, user.user_numeric) == (uid, gid, numeric)
    assert user.home == "/root"
    assert user.explicit is bool(spec)


@pytest.mark.parametrize(
    ("spec", "uid", "gid", "name", "home", "entry"),
    [
        ("1001:0", 1001, 0, "app", "/home/app", True),
        ("app", 1001, 1001, "app", "/home/app", True),
        ("app:staff", 1001, 50, "app", "/home/app", True),
        ("1001:1001", 1001, 1001, "app", "/home/app", True),
        ("ops", 2000, 0, "ops", "/srv/ops", True),
        ("5000", 5000, 0, None, "/", False),  # no entry: runtime uses GID 0, HOME /
        ("5000:staff", 5000, 50, None, "/", False),
        ("1000000000:0", 1000000000, 0, None, "/", False),
    ],
)
def test_non_root_forms(
    spec: str, uid: int, gid: int, name: str | None, home: str, entry: bool
) -> None:
    user = resolve_user(spec, PASSWD, GROUPS)
    assert not user.is_root
    assert (user.uid, user.gid, user.name, user.home) == (uid, gid, name, home)
    assert user.has_passwd_entry is entry
    assert user.user_numeric is spec.split(":")[0].isdecimal()


def test_unknown_user_and_group() -> None:
    user = resolve_user("ghost:nogroup", PASSWD, GROUPS)
    assert user.unknown_user and user.unknown_group
    assert user.uid is None and user.gid is None
    assert not user.is_root and not user.resolved


def test_unknown_group_with_numeric_user() -> None:
    user = resolve_user("1001:wheel", PASSWD, GROUPS)
    assert user.uid == 1001 and user.gid is None and user.unknown_group


@pytest.mark.parametrize("spec", ["a:b:c", ":0", "0:", "4294967295", "1:4294967295"])
def test_invalid_specs(spec: str) -> None:
    user = resolve_user(spec, PASSWD, GROUPS)
    assert user.invalid
    assert not user.is_root


def test_empty_passwd_still_resolves_root_and_numbers() -> None:
    assert resolve_user("", [], []).is_root
    assert resolve_user("0:0", [], []).is_root
    assert resolve_user("1001", [], []).gid == 0
    assert resolve_user("root", [], []).unknown_user  # a name needs an entry


def test_describe() -> None:
    assert resolve_user("app:0", PASSWD, GROUPS).describe() == "uid 1001 (app), gid 0"
    assert resolve_user("5000", PASSWD, GROUPS).describe() == "uid 5000, gid 0"
