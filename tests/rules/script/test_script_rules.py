"""Script rules UR301-UR306 on entrypoint analyses built from small scripts."""

from __future__ import annotations

from unroot.findings import Category, Severity
from unroot.rules.base import rules_of, run_rules
from unroot.shell.entrypoint import analyze_entrypoint
from unroot.shell.facts import EntrypointAnalysis


def analyze(script: str, *, user: str = "", cmd: list[str] | None = None) -> EntrypointAnalysis:
    return analyze_entrypoint(["/entrypoint.sh"], cmd, {"/entrypoint.sh": script}.get, user=user)


def line_of(script: str, needle: str) -> int:
    return next(i for i, t in enumerate(script.splitlines(), 1) if needle in t)


GUARDED = """#!/bin/sh
set -e
if [ "$(id -u)" = '0' ]; then
\tchown -R mongodb /data/db
\texec gosu mongodb "$0" "$@"
fi
exec "$@"
"""


def test_ids_are_pinned() -> None:
    assert [r.id for r in rules_of("script")] == [
        "UR301", "UR302", "UR303", "UR304", "UR305", "UR306",
    ]  # fmt: skip


def test_ur301_guarded_drop_names_tool_user_and_line() -> None:
    findings = [
        f for f in run_rules("script", analyze(GUARDED, cmd=["mongod"])) if f.rule == "UR301"
    ]
    [f] = findings
    assert f.category is Category.PRIVILEGE_DROP_AT_START and f.severity is Severity.WARNING
    line = line_of(GUARDED, "exec gosu")
    assert "gosu" in f.message and "mongodb" in f.message and f"/entrypoint.sh:{line}" in f.message
    assert f.evidence[0].file == "/entrypoint.sh" and f.evidence[0].line == line
    assert f.data["guarded"] and f.data["only_to_drop"]
    assert f.fix is not None and "USER mongodb" in f.fix


def test_ur301_silent_when_started_non_root_and_guarded() -> None:
    findings = run_rules("script", analyze(GUARDED, user="mongodb", cmd=["mongod"]))
    assert not [f for f in findings if f.rule == "UR301"]


def test_ur301_unguarded_drop_with_non_root_user_says_it_fails() -> None:
    script = "#!/bin/sh\nexec su-exec app /app\n"
    [f] = [f for f in run_rules("script", analyze(script, user="1000")) if f.rule == "UR301"]
    assert "fails" in f.message


def test_ur302_chown_category_follows_drop() -> None:
    [f] = [f for f in run_rules("script", analyze(GUARDED)) if f.rule == "UR302"]
    assert f.category is Category.PRIVILEGE_DROP_AT_START
    assert f.data["paths"] == ["/data/db"] and f.data["owner"] == "mongodb"
    assert f.evidence[0].line == line_of(GUARDED, "chown")
    lone = "#!/bin/sh\nchown app:app /srv/data\nchmod 700 /srv/data\nexec app\n"
    found = [f for f in run_rules("script", analyze(lone)) if f.rule == "UR302"]
    assert [f.category for f in found] == [Category.ROOT_OWNED_WRITABLE_PATHS] * 2
    assert [f.severity for f in found] == [Severity.WARNING, Severity.INFO]


def test_ur303_capabilities_named() -> None:
    script = (
        "#!/bin/sh\n"
        "sysctl -w net.ipv4.ip_forward=1\n"
        "iptables -A INPUT -p tcp --dport 22 -j DROP\n"
        "mount --bind /a /b\n"
        "ulimit -n 4096\n"
        "exec app\n"
    )
    found = [f for f in run_rules("script", analyze(script)) if f.rule == "UR303"]
    assert [f.data["kind"] for f in found] == ["sysctl", "iptables", "mount", "ulimit"]
    assert [f.evidence[0].line for f in found] == [2, 3, 4, 5]
    assert "securityContext.sysctls" in found[0].message
    assert "NET_ADMIN" in found[1].message
    assert "SYS_ADMIN" in found[2].message
    assert "SYS_RESOURCE" in found[3].message and found[3].severity is Severity.WARNING
    assert all(f.category is Category.HOST_MODIFICATION for f in found)
    assert found[0].severity is Severity.ERROR


def test_ur304_package_install() -> None:
    script = (
        "#!/bin/sh\napt-get update\napt-get install -y --no-install-recommends curl\nexec app\n"
    )
    [f] = [f for f in run_rules("script", analyze(script)) if f.rule == "UR304"]
    assert f.data == {"manager": "apt-get", "packages": ["curl"]}
    assert f.evidence[0].line == 3 and f.severity is Severity.ERROR


def test_ur305_setcap() -> None:
    script = "#!/bin/sh\nsetcap 'cap_net_bind_service=+ep' /usr/sbin/nginx\nsetcap -r /x\n"
    [f] = [f for f in run_rules("script", analyze(script)) if f.rule == "UR305"]
    assert f.data["paths"] == ["/usr/sbin/nginx"] and f.category is Category.FILE_CAPABILITY


def test_ur306_root_path_writes_deduplicated() -> None:
    script = (
        "#!/bin/sh\n"
        "mkdir -p /var/run/nginx /tmp/ok\n"
        "envsubst < /t > /etc/nginx/conf.d/default.conf\n"
        "echo x >> /etc/nginx/conf.d/default.conf\n"
        "exec nginx\n"
    )
    found = [f for f in run_rules("script", analyze(script)) if f.rule == "UR306"]
    assert [(f.data["path"], f.evidence[0].line) for f in found] == [
        ("/var/run/nginx", 2),
        ("/etc/nginx/conf.d/default.conf", 3),
    ]


def test_clean_script_has_no_findings() -> None:
    script = (
        '#!/bin/sh\nset -e\nif [ "$1" = serve ]; then\n'
        '  exec /app/server --port 8080\nfi\nexec "$@"\n'
    )
    assert run_rules("script", analyze(script, cmd=["serve"])) == []
