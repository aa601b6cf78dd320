"""Wrappers, privilege switchers and flag helpers on parsed commands."""

from __future__ import annotations

import pytest

from unroot.shell.parse import parse_commands
from unroot.shell.unwrap import layers, peel, program, unwrap
from unroot.shell.words import flag_value, has_flag, positional


def one(text: str):  # type: ignore[no-untyped-def]
    return parse_commands(text)[0]


@pytest.mark.parametrize(
    ("text", "prog"),
    [
        ("exec /usr/sbin/nginx -g 'daemon off;'", "nginx"),
        ("env -i A=1 B=2 nohup /usr/bin/redis-server /etc/redis.conf", "redis-server"),
        ("command -p ls", "ls"),
        ("command -v ls", "command"),
        ("time -p nice -n 5 make", "make"),
        ("exec tini -- /entry.sh", "entry.sh"),
        ("sudo -u app ls", "sudo"),
        ("exec gosu redis redis-server", "gosu"),
        ("timeout -s KILL 10 curl x", "curl"),
        ("exec > /var/log/x 2>&1", "exec"),
    ],
)
def test_program(text: str, prog: str) -> None:
    assert program(one(text)) == prog


@pytest.mark.parametrize(
    ("text", "tool", "user", "group", "inner"),
    [
        ('gosu postgres "$@"', "gosu", "postgres", None, ("$@",)),
        ("su-exec redis:redis redis-server --port 80", "su-exec", "redis", "redis",
         ("redis-server", "--port", "80")),
        ("setpriv --reuid=999 --regid=999 --init-groups -- /bin/app -x", "setpriv", "999", "999",
         ("/bin/app", "-x")),
        ("setpriv --reuid app --regid app --clear-groups app", "setpriv", "app", "app", ("app",)),
        ("chroot --userspec=www:www / nginx", "chroot", "www", "www", ("nginx",)),
        ("runuser -u mysql -- mysqld --user=mysql", "runuser", "mysql", None,
         ("mysqld", "--user=mysql")),
        ("s6-setuidgid nobody dnsmasq -k", "s6-setuidgid", "nobody", None, ("dnsmasq", "-k")),
        ("su app -s /bin/sh -c 'exec /opt/app/run --port 80'", "su", "app", None,
         ("exec", "/opt/app/run", "--port", "80")),
        ("sudo -E -u app -- make test", "sudo", "app", None, ("make", "test")),
        ("sudo apt-get update", "sudo", "root", None, ("apt-get", "update")),
        ("chpst -u nobody:nogroup svlogd", "chpst", "nobody", "nogroup", ("svlogd",)),
        ("start-stop-daemon --start --chuid redis --exec /usr/bin/redis-server -- --port 1",
         "start-stop-daemon", "redis", None, ("/usr/bin/redis-server", "--port", "1")),
    ],
)  # fmt: skip
def test_peel_switchers(
    text: str, tool: str, user: str, group: str | None, inner: tuple[str, ...]
) -> None:
    cmd = one(text)
    p = peel(cmd)
    assert p is not None
    assert (p.tool, p.user, p.group, p.inner.argv) == (tool, user, group, inner)
    assert p.switches_user


def test_unwrap_through_layers() -> None:
    cmd = one("exec env HOME=/x gosu app:app nohup /usr/local/bin/app --port 80")
    assert unwrap(cmd).argv == ("/usr/local/bin/app", "--port", "80")
    assert unwrap(cmd).assignments == ("HOME=/x",)
    assert [p.tool for p in layers(cmd)] == ["exec", "env", "gosu", "nohup"]
    plain = one("ls -l")
    assert unwrap(plain) == plain


def test_chroot_without_userspec_does_not_switch() -> None:
    p = peel(one("chroot /srv/root /bin/app"))
    assert p is not None and not p.switches_user and p.inner.argv == ("/bin/app",)


def test_flags() -> None:
    cmd = one("chown -Rf --from=root app:app /data -- -weird")
    assert has_flag(cmd, "-R") and has_flag(cmd, "-f") and has_flag(cmd, "--from")
    assert not has_flag(cmd, "-h") and not has_flag(cmd, "--weird")
    assert flag_value(cmd, "--from") == "root"
    assert positional(cmd) == ["app:app", "/data", "-weird"]
    redis = one("redis-server --port 80 --dir=/data -p81")
    assert flag_value(redis, "--port") == "80"
    assert flag_value(redis, "--dir") == "/data"
    assert flag_value(redis, "-p") == "81"
    assert flag_value(redis, "--nope") is None
    mc = one("memcached -u memcache -p 11211 -m 64")
    assert positional(mc, ("-u", "-p", "-m")) == []
