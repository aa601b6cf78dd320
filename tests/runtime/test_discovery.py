"""Discovery: refused calls and logged permission errors become findings in the scan's format.

Trace and log lines here were captured from the Debian daemon images (tests/images/) run as
``--user 1000680000:0 --cap-drop=ALL``; the expected meaning of each is what the daemon's own
error message says went wrong.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from unroot.findings import Category, Severity
from unroot.rules.runtime._access import explain
from unroot.rules.runtime._observed import PathInfo
from unroot.runtime import rootfs
from unroot.runtime.discovery import OBSERVED, denials_from_trace, discover, runtime_rules
from unroot.runtime.discovery.denials import from_syscall
from unroot.runtime.discovery.logscan import from_logs
from unroot.runtime.trace.events import Syscall, parse_line, parse_lines

T = "1796400832.55"

NGINX = f'7 {T} mkdir("/var/lib/nginx/body", 0700) = -1 EACCES (Permission denied)'
HAPROXY_PORT = (
    f"9 {T} bind(7<TCP:[224402]>, {{sa_family=AF_INET, sin_port=htons(80), "
    'sin_addr=inet_addr("0.0.0.0")}, 16) = -1 EACCES (Permission denied)'
)
HAPROXY_SOCK = (
    f'9 {T} bind(8<UNIX:[224403]>, {{sa_family=AF_UNIX, sun_path="/run/haproxy/admin.sock.1.tmp"}}'
    ", 110) = -1 EACCES (Permission denied)"
)
DNSMASQ = (
    f"4 {T} bind(4<UDP:[1]>, {{sa_family=AF_INET, sin_port=htons(53), "
    'sin_addr=inet_addr("0.0.0.0")}, 16) = -1 EACCES (Permission denied)'
)
BIND9 = f"5 {T} setgid(101) = -1 EPERM (Operation not permitted)"
MARIADB = (
    f'6 {T} openat(AT_FDCWD</var/lib/mysql>, "./ddl_recovery.log", O_RDWR|O_CREAT|O_TRUNC|'
    "O_CLOEXEC, 0660) = -1 EACCES (Permission denied)"
)
REDIS = (
    f'8 {T} openat(AT_FDCWD</>, "/etc/redis/redis.conf", O_RDONLY) = -1 EACCES (Permission denied)'
)
SYSCTL = (
    f'3 {T} openat(AT_FDCWD</>, "/proc/sys/net/core/somaxconn", O_WRONLY|O_CREAT|O_TRUNC, 0666)'
    " = -1 EROFS (Read-only file system)"
)
READ_ONLY = (
    f'3 {T} openat(AT_FDCWD</>, "/var/cache/app/x", O_WRONLY|O_CREAT, 0644) = -1 EROFS '
    "(Read-only file system)"
)
CHROOT = f'2 {T} chroot("/var/lib/haproxy") = -1 EPERM (Operation not permitted)'
MOUNT = f'2 {T} mount("tmpfs", "/mnt", "tmpfs", 0, NULL) = -1 EPERM (Operation not permitted)'
RLIMIT = (
    f"2 {T} prlimit64(0, RLIMIT_NOFILE, {{rlim_cur=1048576, rlim_max=1048576}}, NULL) = -1 "
    "EPERM (Operation not permitted)"
)
RLIMIT_READ = (
    f"2 {T} prlimit64(0, RLIMIT_NOFILE, NULL, 0x7ffd) = -1 EPERM (Operation not permitted)"
)
FCHOWN = f"2 {T} fchown(3</run/x.pid>, 101, 102) = -1 EPERM (Operation not permitted)"
HIGH_PORT = (
    f"9 {T} bind(7<TCP:[1]>, {{sa_family=AF_INET, sin_port=htons(8080), "
    'sin_addr=inet_addr("0.0.0.0")}, 16) = -1 EADDRINUSE (Address in use)'
)


def call(line: str) -> Syscall:
    parsed = parse_line(line)
    assert isinstance(parsed, Syscall), line
    return parsed


@pytest.mark.parametrize(
    ("line", "kind", "subject", "access"),
    [
        (NGINX, "path", "/var/lib/nginx/body", "write"),
        (MARIADB, "path", "/var/lib/mysql/ddl_recovery.log", "write"),
        (REDIS, "path", "/etc/redis/redis.conf", "read"),
        (HAPROXY_PORT, "port", "80/tcp", None),
        (DNSMASQ, "port", "53/udp", None),
        (HAPROXY_SOCK, "path", "/run/haproxy/admin.sock.1.tmp", "write"),
        (BIND9, "identity", "setgid", None),
        (SYSCTL, "host", "/proc/sys/net/core/somaxconn", "write"),
        (READ_ONLY, "read_only", "/var/cache/app/x", "write"),
        (CHROOT, "capability", "/var/lib/haproxy", None),
        (MOUNT, "host", "/mnt", None),
        (RLIMIT, "host", "SYS_RESOURCE", None),
        (FCHOWN, "capability", "/run/x.pid", None),
    ],
)
def test_what_each_refusal_means(line: str, kind: str, subject: str, access: str | None) -> None:
    d = from_syscall(call(line))
    assert d is not None
    assert (d.kind, d.subject, d.access) == (kind, subject, access)


def test_refusals_that_say_nothing_about_root_are_dropped() -> None:
    assert from_syscall(call(HIGH_PORT)) is None
    assert from_syscall(call(RLIMIT_READ)) is None


LOGS = {
    "nginx": (
        '2026/12/04 16:20:28 [emerg] 1#1: mkdir() "/var/lib/nginx/body" failed'
        " (13: Permission denied)"
    ),
    "redis": (
        "1:C 04 Dec 2026 16:20:39.631 # Fatal error, can't open config file"
        " '/etc/redis/redis.conf': Permission denied"
    ),
    "postgresql": (
        "2026-12-04 16:20:55.727 UTC [1] FATAL:  data directory"
        ' "/var/lib/postgresql/15/main" has wrong ownership'
    ),
    "lighttpd": (
        "2026-12-04 16:21:00: (server.c.1481) opening pid-file failed:"
        " /run/lighttpd.pid: Permission denied"
    ),
    "haproxy": (
        "[ALERT]    (1) : Starting frontend web: cannot bind socket"
        " (Permission denied) for [0.0.0.0:80]"
    ),
    "mariadb": (
        "2026-12-04 16:21:28 0 [ERROR] mariadbd: Can't create/write to file"
        " '/var/lib/mysql/ddl_recovery.log' (Errcode: 13 \"Permission denied\")"
    ),
    "squid": ("2026/12/04 16:21:37| FATAL: failed to open /run/squid.pid: (13) Permission denied"),
    "dnsmasq": ("dnsmasq: failed to create listening socket for port 53: Permission denied"),
    "bind9": ("named: setgid(): Operation not permitted"),
    "php-fpm": (
        "[04-Dec-2026 16:22:07] ERROR: failed to open error_log"
        " (/var/log/php8.2-fpm.log): Permission denied (13)"
    ),
    "apache2": ("mkdir: cannot create directory '/var/run/apache2': Permission denied"),
}
LOG_MEANING = {
    "nginx": ("path", "/var/lib/nginx/body"),
    "redis": ("path", "/etc/redis/redis.conf"),
    "postgresql": ("ownership", "/var/lib/postgresql/15/main"),
    "lighttpd": ("path", "/run/lighttpd.pid"),
    "haproxy": ("port", "80/tcp"),
    "mariadb": ("path", "/var/lib/mysql/ddl_recovery.log"),
    "squid": ("path", "/run/squid.pid"),
    "dnsmasq": ("port", "53/tcp"),
    "bind9": ("identity", "identity"),
    "php-fpm": ("path", "/var/log/php8.2-fpm.log"),
    "apache2": ("path", "/var/run/apache2"),
}


@pytest.mark.parametrize("daemon", sorted(LOGS))
def test_logged_permission_errors(daemon: str) -> None:
    found = from_logs("unrelated line\n" + LOGS[daemon] + "\nlater line\n")
    assert len(found) == 1
    kind, subject = LOG_MEANING[daemon]
    got = found[0]
    assert got.kind == kind
    assert got.source == "log"
    if kind != "identity":
        assert got.subject == subject


def test_logs_without_permission_errors_give_nothing() -> None:
    text = "listening on 0.0.0.0:80\nready to accept connections\nGET / 200\n"
    assert from_logs(text) == []


def _tree(tmp_path: Path) -> Path:
    """A small container root: /run root-owned 0755, /var/lib/mysql owned by 101 0755,
    /etc/redis 2770 owned by 100:101, /var/run -> /run, an absolute symlink escaping."""
    root = tmp_path / "rootfs"
    for d in ("run", "var/lib/mysql", "etc/redis", "data"):
        (root / d).mkdir(parents=True)
    (root / "etc/redis/redis.conf").write_text("port 6379\n")
    os.symlink("/run", root / "var/run")
    os.symlink("/etc/shadow", root / "data/escape")
    os.chmod(root / "run", 0o755)
    os.chmod(root / "var/lib/mysql", 0o755)
    os.chmod(root / "etc/redis", 0o2770)
    if os.geteuid() == 0:
        os.chown(root / "var/lib/mysql", 101, 101)
        os.chown(root / "etc/redis", 100, 101)
    return root


def test_rootfs_resolution_never_leaves_the_root(tmp_path: Path) -> None:
    root = str(_tree(tmp_path))
    assert rootfs.resolve(root, "/var/run/x.pid") == "/run/x.pid"
    # an absolute link names the container's /etc/shadow, never the host's
    assert rootfs.resolve(root, "/data/escape") == "/etc/shadow"
    assert rootfs.read_text(root, "/data/escape") is None
    assert rootfs.stat_path(root, "/data/escape") is None
    (Path(root) / "etc/shadow").write_text("inside\n")
    assert rootfs.read_text(root, "/data/escape") == "inside\n"
    assert rootfs.resolve(root, "/../../../../etc/redis") == "/etc/redis"
    os.symlink("loop2", Path(root) / "loop1")
    os.symlink("loop1", Path(root) / "loop2")
    assert rootfs.resolve(root, "/loop1/x") is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs chown to build the tree")
def test_explain_names_the_path_that_refused(tmp_path: Path) -> None:
    root = str(_tree(tmp_path))

    def stat(path: str) -> PathInfo | None:
        return rootfs.stat_path(root, path)

    uid, gids = 1000680000, (0,)
    pid = explain("/var/run/lighttpd.pid", "write", uid, gids, stat)
    assert pid is not None and (pid.path, pid.owner, pid.perms) == ("/var/run", "0:0", "0755")
    log = explain("/var/lib/mysql/ddl_recovery.log", "write", uid, gids, stat)
    assert log is not None and (log.path, log.uid) == ("/var/lib/mysql", 101)
    conf = explain("/etc/redis/redis.conf", "read", uid, gids, stat)
    assert conf is not None and conf.path == "/etc/redis" and "entered" in conf.reason
    # the owner itself is let through, so nothing blocks
    assert explain("/var/lib/mysql/x", "write", 101, (101,), stat) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs chown to build the tree")
def test_discover_maps_categories_and_marks_likely_causes(tmp_path: Path) -> None:
    root = str(_tree(tmp_path))
    lines = [MARIADB, REDIS, HAPROXY_PORT, BIND9, f"6 {T}9 +++ exited with 1 +++"]
    findings = discover(
        events=list(parse_lines(lines)),
        logs=LOGS["mariadb"],
        failed=True,
        uid=1000680000,
        stat=lambda p: rootfs.stat_path(root, p),
    )
    by_rule = {f.rule: f for f in findings}
    mysql = next(f for f in findings if f.data.get("path") == "/var/lib/mysql/ddl_recovery.log")
    assert mysql.category is Category.ARBITRARY_UID_UNREADY  # owned by the mysql user, not root
    assert mysql.severity is Severity.ERROR and mysql.data["likely_cause"] is True
    assert mysql.data["checked"] == "/var/lib/mysql" and mysql.data["uid"] == 101
    assert findings[0] is mysql  # likely causes come first
    assert by_rule["UR602"].category is Category.LOW_PORT
    assert by_rule["UR602"].data["port"] == 80 and by_rule["UR602"].data["suggested_port"] == 8080
    assert by_rule["UR603"].category is Category.PRIVILEGE_DROP_AT_START
    for f in findings:
        assert f.data["observed"] == OBSERVED
        assert any(OBSERVED in (e.detail or "") for e in f.evidence)
        assert f.data["source"] == "trace" and f.data["syscall"]


def test_root_owned_write_is_root_owned_writable_paths(tmp_path: Path) -> None:
    root = str(_tree(tmp_path))
    (f,) = discover(
        events=[call(NGINX.replace("/var/lib/nginx/body", "/run/nginx.pid"))],
        logs="",
        failed=True,
        uid=1000680000,
        stat=lambda p: rootfs.stat_path(root, p),
    )
    assert f.category is Category.ROOT_OWNED_WRITABLE_PATHS
    assert f.data["checked"] == "/run"


def test_without_a_trace_the_logs_are_the_evidence() -> None:
    findings = discover(events=None, logs="\n".join(LOGS.values()), failed=True, uid=1000680000)
    subjects = {(f.rule, str(f.data.get("path") or f.data.get("port"))) for f in findings}
    assert ("UR601", "/var/lib/postgresql/15/main") in subjects
    assert ("UR602", "53") in subjects
    assert any(f.rule == "UR603" for f in findings)
    assert all(f.data["source"] == "log" for f in findings)


def test_ownership_complaints_survive_an_unrelated_trace() -> None:
    trace = (
        f'1 {T} openat(AT_FDCWD</>, "/var/lib/postgresql/15/main/postgresql.auto.conf", O_RDONLY)'
        " = -1 EACCES (Permission denied)"
    )
    logs = (
        'LOG:  skipping missing configuration file "/var/lib/postgresql/15/main/'
        'postgresql.auto.conf"\n' + LOGS["postgresql"]
    )
    findings = discover(events=[call(trace)], logs=logs, failed=True, uid=1)
    assert [f.data.get("path") for f in findings] == [
        "/var/lib/postgresql/15/main",  # the FATAL line comes first
        "/var/lib/postgresql/15/main/postgresql.auto.conf",
    ]


def test_relative_paths_are_anchored_by_the_logs() -> None:
    line = f'8 {T} mkdir("apache2", 0777) = -1 EACCES (Permission denied)'
    (f,) = discover(events=[call(line)], logs=LOGS["apache2"], failed=True, uid=1)
    assert f.data["path"] == "/var/run/apache2"


def test_a_passing_run_reports_denials_as_info() -> None:
    findings = discover(events=[call(REDIS)], logs="", failed=False, uid=1)
    assert [f.severity for f in findings] == [Severity.INFO]


def test_rules_are_documented_and_unique() -> None:
    ids = [r.id for r in runtime_rules()]
    assert ids == ["UR601", "UR602", "UR603", "UR604", "UR605", "UR606"]
    assert ids == sorted(set(ids))
    for rule in runtime_rules():
        assert rule.kind == "runtime" and rule.title and rule.rationale and rule.fix and rule.docs


def test_trace_to_denials_skips_exits_and_successes() -> None:
    events = list(parse_lines([NGINX, f"7 {T} +++ exited with 1 +++", "7 1.0 close(3) = 0"]))
    assert [d.path for d in denials_from_trace(events)] == ["/var/lib/nginx/body"]


def test_output_written_outside_the_logs_is_evidence_too() -> None:
    (f,) = discover(
        events=[],
        logs="",
        output="500 OOPS: config file not owned by correct user, or not a file\r\n",
        failed=True,
        uid=1000680000,
    )
    assert f.rule == "UR601" and f.category is Category.ARBITRARY_UID_UNREADY
    assert f.data["source"] == "output" and f.data["likely_cause"] is True
    assert "written outside the logs" in (f.evidence[0].detail or "")


def test_a_bind_error_without_a_port_takes_the_probed_privileged_port() -> None:
    logs = "httpd: bind: Permission denied\n"
    (f,) = discover(events=None, logs=logs, failed=True, uid=1, ports=[80])
    assert f.rule == "UR602" and f.data["port"] == 80 and f.data["port_from"]
    (g,) = discover(events=None, logs=logs, failed=True, uid=1, ports=[8080])
    assert g.rule == "UR602" and g.data.get("port") is None


def test_notice_lines_with_numbers_are_not_permission_errors() -> None:
    assert from_logs("[NOTICE]   (1) : path to executable is /usr/sbin/haproxy\n") == []


def test_the_error_the_daemon_printed_comes_first_even_with_a_relative_path() -> None:
    lower = MARIADB.replace("./ddl_recovery.log", "/var/lib/mysql/abc.lower-test")
    logs = (
        "[Warning] Can't create test file '/var/lib/mysql/abc.lower-test'\n"
        "[ERROR] mariadbd: Can't create/write to file './ddl_recovery.log' (Errcode: 13)\n"
    )
    findings = discover(events=[call(lower), call(MARIADB)], logs=logs, failed=True, uid=1)
    assert [f.data["path"] for f in findings][:2] == [
        "/var/lib/mysql/ddl_recovery.log",
        "/var/lib/mysql/abc.lower-test",
    ]
