"""Property tests: the shell layer never raises, whatever the script or the config."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.daemons.analyze import analyze_files
from unroot.daemons.table import DAEMONS
from unroot.rules.base import run_rules
from unroot.shell.entrypoint import analyze_entrypoint
from unroot.shell.parse import parse_commands

SHELL_BITS = st.sampled_from(
    [
        "if", "then", "fi", "case", "esac", "in", ";;", "(", ")", "{", "}", "$(", "`", "'", '"',
        "<<EOF", "EOF", "\\\n", "\n", ";", "&&", "||", "|", "&", ">", ">>", "2>&1", "exec",
        "gosu", "app", '"$@"', "$0", "sh", "-c", "sysctl", "-w", "a.b=1", "chown", "-R",
        "/data", "set", "--", ".", "/e.sh", "source", "for", "do", "done", "[[", "]]", "[", "]",
        "=", "0", "$(id -u)", "apk", "add", "x", "function", "f()", "setpriv", "--reuid=1",
        "su", "root", "#", "${A:-b}", "$'\\t'", "\x00", "\xff",
    ]
)  # fmt: skip
SCRIPTS = (
    st.lists(SHELL_BITS, max_size=60).map(" ".join)
    | st.text(max_size=400)
    | st.lists(
        st.sampled_from(["{", "$", "a", " ", "\n"]) | st.characters(min_codepoint=0x40000),
        max_size=20,
    ).map("".join)
)


@settings(max_examples=300, deadline=None)
@given(SCRIPTS)
def test_parse_commands_never_raises_and_lines_are_in_range(script: str) -> None:
    cmds = parse_commands(script)
    last = script.count("\n") + 1
    for c in cmds:
        assert 1 <= c.line <= last
        assert c.argv


@settings(max_examples=200, deadline=None)
@given(SCRIPTS, st.lists(st.sampled_from(["app", "-x", "sh", "-c", "$@", "x y"]), max_size=4))
def test_entrypoint_analysis_and_rules_never_raise(script: str, cmd: list[str]) -> None:
    fs = {"/e.sh": "#!/bin/sh\n" + script, "/x.sh": script}
    analysis = analyze_entrypoint(["/e.sh"], cmd, fs.get, list_paths=lambda: list(fs))
    run_rules("script", analysis)


CONF_BITS = st.sampled_from(
    [
        "listen", "80", "port", "=", "{", "}", ";", "include", "/etc/x.conf", "*", "user",
        "www-data", "[mysqld]", "!includedir", "/etc", "\n", "#", '"', "'", "bind", ":80",
        "server", "http", "Listen", "${A}", "-p", "0", "99999", "listen-on", "port 53",
    ]
)  # fmt: skip
CONFIGS = st.lists(CONF_BITS, max_size=50).map(" ".join) | st.text(max_size=300)


@settings(max_examples=400, deadline=None)
@given(CONFIGS)
def test_every_daemon_parser_survives_garbage(text: str) -> None:
    paths = [
        "/etc/nginx/nginx.conf", "/etc/apache2/apache2.conf", "/etc/lighttpd/lighttpd.conf",
        "/etc/haproxy/haproxy.cfg", "/etc/redis/redis.conf", "/etc/mysql/my.cnf",
        "/etc/postgresql/15/main/postgresql.conf", "/etc/memcached.conf", "/etc/squid/squid.conf",
        "/etc/dnsmasq.conf", "/etc/ssh/sshd_config", "/etc/mosquitto/mosquitto.conf",
        "/etc/vsftpd.conf", "/etc/bind/named.conf", "/usr/local/etc/php-fpm.conf", "/etc/x.conf",
        "/etc/postfix/main.cf", "/etc/postfix/master.cf", "/etc/unbound/unbound.conf",
        "/etc/nsd/nsd.conf", "/etc/powerdns/pdns.conf", "/etc/ldap/slapd.d/cn=config.ldif",
        "/etc/chrony/chrony.conf", "/etc/dovecot/dovecot.conf", "/etc/cups/cupsd.conf",
        "/etc/rsyslog.conf", "/etc/samba/smb.conf", "/usr/local/tomcat/conf/server.xml",
    ]  # fmt: skip
    fs = dict.fromkeys(paths, text)
    analysis = analyze_files(fs.get, None, lambda: list(fs))
    assert len(analysis.daemons) == len([d for d in DAEMONS if d.configs])
    assert analysis.errors == []  # the parsers themselves must not fail
    for cfg in analysis.daemons:
        assert all(0 <= x.port <= 65535 for x in cfg.listen)
    run_rules("daemon", analysis)


def test_code_points_that_crash_tree_sitter_bash_are_neutralised() -> None:
    # "{" + U+FF409 segfaults tree-sitter-bash 0.25 when parsed as is
    for cp in (0xFF409, 0x55045, 0x10FFFD):
        cmds = parse_commands("{" + chr(cp) + "\necho ok\n")
        assert ("echo", "ok") in [c.argv for c in cmds]
