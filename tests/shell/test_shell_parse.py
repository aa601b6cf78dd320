"""parse_commands over real shell constructs; lines are checked against the script text."""

from __future__ import annotations

import os

from unroot.shell.command import Command
from unroot.shell.parse import parse_commands, shell_c_string
from unroot.shell.unwrap import program


def line_of(script: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` (the expectation source)."""
    for i, text in enumerate(script.splitlines(), start=1):
        if needle in text:
            return i
    raise AssertionError(needle)


def by_program(cmds: list[Command], name: str) -> list[Command]:
    return [c for c in cmds if c.argv and program(c) == name]


SCRIPT = """#!/bin/bash
set -Eeo pipefail
# a comment with an 'unbalanced quote and chown root /x
file_env() {
\tlocal var="$1"
\tlocal val="$(printenv "$var")"
\texport "$var"="$val"
}
if [[ "$1" == -* ]] && [ "$(id -u)" = '0' ]; then
\tfind /data \\! -user redis -exec chown redis '{}' +
\texec gosu redis "$0" "$@"
fi
case "$1" in
\tpostgres) chown -R postgres "$PGDATA" ;;
\t*) echo "other" ;;
esac
cat > /etc/app.conf <<EOT
port $PORT
rm -rf /not/a/command
EOT
mkdir -p /var/run/app \\
\t/var/log/app
for i in 1 2; do sysctl -w net.core.somaxconn=1024 & done
FOO=bar BAZ="a b" redis-server --port 6379 >> /var/log/redis.log 2>&1
sh -c 'apk add --no-cache curl && echo $(whoami)'
( cd /tmp; { touch a; } )
echo "$(date)" | tee -a /log
exec "$@"
"""


def test_all_commands_in_order_with_lines() -> None:
    cmds = parse_commands(SCRIPT)
    names = [c.argv[0] for c in cmds]
    expected_order = [
        "set", "local", "local", "printenv", "export", "id", "find", "exec", "chown", "echo",
        "cat", "mkdir", "sysctl", "redis-server", "sh", "apk", "echo", "whoami", "cd", "touch",
        "echo", "date", "tee", "exec",
    ]  # fmt: skip
    assert names == expected_order
    assert by_program(cmds, "find")[0].line == line_of(SCRIPT, "find /data")
    assert by_program(cmds, "gosu")[0].line == line_of(SCRIPT, "exec gosu")
    assert by_program(cmds, "chown")[0].line == line_of(SCRIPT, "postgres)")
    assert by_program(cmds, "mkdir")[0].line == line_of(SCRIPT, "mkdir -p")
    assert by_program(cmds, "tee")[0].line == line_of(SCRIPT, "tee -a")
    assert by_program(cmds, "printenv")[0].line == line_of(SCRIPT, "printenv")


def test_heredoc_body_is_not_commands_and_redirects_kept() -> None:
    cmds = parse_commands(SCRIPT)
    assert not any(c.argv[0] == "rm" for c in cmds)
    cat = by_program(cmds, "cat")[0]
    assert any(r.op == ">" and r.target == "/etc/app.conf" and r.writes for r in cat.redirects)
    redis = by_program(cmds, "redis-server")[0]
    assert [r.target for r in redis.redirects if r.writes] == ["/var/log/redis.log"]


def test_words_quote_removal_and_expansions_literal() -> None:
    cmds = parse_commands(SCRIPT)
    find = by_program(cmds, "find")[0]
    assert find.argv == (
        "find", "/data", "!", "-user", "redis", "-exec", "chown", "redis", "{}", "+",
    )  # fmt: skip
    gosu = by_program(cmds, "gosu")[0]
    assert gosu.argv == ("exec", "gosu", "redis", "$0", "$@")
    redis = by_program(cmds, "redis-server")[0]
    assert redis.assignments == ("FOO=bar", "BAZ=a b")
    assert redis.argv == ("redis-server", "--port", "6379")


def test_continuation_function_background_and_shell_c() -> None:
    cmds = parse_commands(SCRIPT)
    mkdir = by_program(cmds, "mkdir")[0]
    assert mkdir.argv == ("mkdir", "-p", "/var/run/app", "/var/log/app")
    printenv = by_program(cmds, "printenv")[0]
    assert printenv.in_function == "file_env"
    assert by_program(cmds, "find")[0].in_function is None
    assert by_program(cmds, "sysctl")[0].background
    assert not by_program(cmds, "find")[0].background
    apk = by_program(cmds, "apk")[0]
    assert apk.via_shell_c and apk.line == line_of(SCRIPT, "sh -c")
    assert apk.argv == ("apk", "add", "--no-cache", "curl")


def test_line_offset_is_added() -> None:
    cmds = parse_commands("echo a\n\nchown x /y\n", line_offset=10)
    assert [c.line for c in cmds] == [11, 13]


def test_su_c_string_and_nested_sh() -> None:
    script = (
        "su postgres -s /bin/sh -c 'initdb -D /data && pg_ctl start'\n"
        "bash -ec \"sh -c 'sysctl -w a.b=1'\"\n"
    )
    cmds = parse_commands(script)
    assert [c.argv[0] for c in cmds] == ["su", "initdb", "pg_ctl", "bash", "sh", "sysctl"]
    assert [c.line for c in cmds] == [1, 1, 1, 2, 2, 2]


def test_shell_c_string_forms() -> None:
    c = parse_commands("sh -o pipefail -xc 'echo hi' arg0")[0]
    assert shell_c_string(c) == "echo hi"
    [c] = parse_commands("bash script.sh -c x")
    assert shell_c_string(c) is None


def test_dollar_quotes_and_concatenation() -> None:
    [c] = parse_commands('echo $\'a\\tb\' a"b"\'c\' a\\ d "x\\"y" ${A:-b}')
    assert c.argv == ("echo", "a\tb", "abc", "a d", 'x"y', "${A:-b}")


def test_assignment_only_is_not_a_command_but_substitution_inside_is() -> None:
    cmds = parse_commands('uid="$(id -u)"\nexport PATH=/x:$PATH\n')
    assert [c.argv[0] for c in cmds] == ["id", "export"]


def test_bad_input_never_raises() -> None:
    for script in [
        'echo "unterminated\nls -l /x\n',
        "if then fi\nchown a /b\n",
        "case x in\n",
        "$(((((",
        "\x00\x01\x02 binary \xff",
        os.urandom(4096).decode("latin-1"),
        "((" * 5000,
        "a" * (2 << 20),
    ]:
        assert isinstance(parse_commands(script), list)


def test_tolerant_recovery_keeps_later_lines() -> None:
    script = "if then fi\nchown app /data\n"
    chown = by_program(parse_commands(script), "chown")
    assert chown and chown[0].line == 2 and chown[0].argv == ("chown", "app", "/data")
