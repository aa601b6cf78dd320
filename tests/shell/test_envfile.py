"""Sourced environment files evaluated the way the shell evaluates them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.shell.envfile import evaluate, expand_text

# the shape of Debian's /etc/apache2/envvars (bookworm): SUFFIX from an if, exports built on it
ENVVARS = """# envvars - default environment variables for apache2ctl

# this won't be correct after changing uid
unset HOME

# for supporting multiple apache2 instances
if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then
\tSUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"
else
\tSUFFIX=
fi

# Since there is no sane way to get the parsed apache2 config in scripts, some
# settings are defined via environment variables and then used in apache2ctl,
# /etc/init.d/apache2, /etc/logrotate.d/apache2, etc.
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
# temporary state file location. This might be changed to /run in Wheezy+1
export APACHE_PID_FILE=/var/run/apache2$SUFFIX/apache2.pid
export APACHE_RUN_DIR=/var/run/apache2$SUFFIX
export APACHE_LOCK_DIR=/var/lock/apache2$SUFFIX
# Only /var/log/apache2 is handled by /etc/logrotate.d/apache2.
export APACHE_LOG_DIR=/var/log/apache2$SUFFIX

## The locale used by some modules like mod_dav
export LANG=C
## Uncomment the following line to use the system default locale instead:
#. /etc/default/locale

export LANG
"""


def test_debian_envvars_for_the_default_and_a_second_instance() -> None:
    env = evaluate(ENVVARS, {"HOME": "/root", "APACHE_CONFDIR": "/etc/apache2"})
    assert "HOME" not in env
    assert env["SUFFIX"] == ""
    assert env["APACHE_RUN_DIR"] == "/var/run/apache2"
    assert env["APACHE_PID_FILE"] == "/var/run/apache2/apache2.pid"
    assert env["APACHE_LOG_DIR"] == "/var/log/apache2"
    two = evaluate(ENVVARS, {"APACHE_CONFDIR": "/etc/apache2-two"})
    assert two["APACHE_RUN_DIR"] == "/var/run/apache2-two"


def test_conditions_on_the_image_and_unknowns_are_left_out() -> None:
    text = (
        "if [ -d /srv/data ]; then DATA=/srv/data; else DATA=/var/lib/app; fi\n"
        ': "${PORT:=8080}"\n'
        "if grep -q x /etc/y; then MODE=a; else MODE=b; fi\n"
        "if grep -q x /etc/y; then SAME=1; else SAME=1; fi\n"
        "STAMP=$(date)\n"
        '[ -n "$DEBUG" ] && LEVEL=debug\n'
        "f() { INSIDE=1; }\n"
    )
    env = evaluate(text, {}, exists=lambda p: p == "/srv/data")
    assert env == {"DATA": "/srv/data", "PORT": "8080", "SAME": "1"}
    assert evaluate(text, {}, exists=lambda p: False)["DATA"] == "/var/lib/app"


def test_sourced_files_are_followed() -> None:
    files = {"/etc/default/app": "APP_PORT=9000\n"}
    env = evaluate("[ -f /etc/default/app ] && . /etc/default/app\n", {},
                   exists=files.__contains__, read=files.get)  # fmt: skip
    assert env == {"APP_PORT": "9000"}


def test_expand_text_with_defaults_and_trims() -> None:
    assert expand_text("${RUN:-/var/run/app}/socks", {}) == "/var/run/app/socks"
    assert expand_text("${F%.conf}.d", {"F": "/etc/x.conf"}) == "/etc/x.d"
    assert expand_text("${P##*/}", {"P": "/usr/sbin/nginx"}) == "nginx"
    assert expand_text("$(uname)", {}) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    evaluate(text, {"A": "1"}, exists=lambda p: True, read=lambda p: text)


def test_sourcing_fan_out_is_bounded() -> None:
    """A file that sources the next level a dozen times per line would be read 12**depth
    times; the evaluator stops reading after a fixed number of sources and still returns."""
    reads: list[str] = []

    def read(path: str) -> str | None:
        reads.append(path)
        return "X=1\n" + ". /etc/next\n" * 12

    env = evaluate(". /etc/next\n", read=read)
    assert env["X"] == "1"
    assert 0 < len(reads) <= 64
