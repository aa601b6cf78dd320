"""Every daemon parser on its configuration as Debian ships it, with the package's own modes and
owners: the images of tests/images (one daemon each) and tests/images/packaged (a dozen more),
read through ``podman image mount``.

The command lines are the ones the images or Debian's service files run. Expectations come
from the shipped files (line numbers are looked up in them) and from running the daemons as
1000680000:0 without capabilities (the module docstrings of the parsers say what each did).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shipped import mounted

import daemon_images as di
from unroot.daemons.analyze import DaemonAnalysis, analyze_files
from unroot.daemons.model import DaemonConfig
from unroot.oci.model import FileTree
from unroot.runtime.podman import Podman

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="module")
def packaged(podman: Podman, base_images: dict[str, str]) -> Iterator[FileTree]:
    with mounted(podman, di.build_packaged(podman)) as tree:
        yield tree


def analyse(tree: FileTree, *argv: str) -> tuple[DaemonAnalysis, DaemonConfig]:
    listing = ["/" + e.path for e in tree]
    a = analyze_files(tree.read_text, tree.get, lambda: listing, [argv])
    [cfg] = [c for c in a.daemons if c.main]
    return a, cfg


def line_of(tree: FileTree, path: str, needle: str) -> int:
    text = tree.read_text(path) or ""
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def ports(cfg: DaemonConfig) -> set[tuple[int, str]]:
    return {(x.port, x.proto) for x in cfg.listen}


def issues(a: DaemonAnalysis, daemon: str) -> dict[str, set[str]]:
    return {
        "write": {i.path.path for i in a.path_issues if i.daemon == daemon and i.path.fatal},
        "note": {i.path.path for i in a.path_issues if i.daemon == daemon and not i.path.fatal},
        "read": {i.read.path for i in a.read_issues if i.daemon == daemon and i.read.fatal},
        "identity": {i.check.kind for i in a.identity_issues if i.daemon == daemon},
    }


def test_postfix_needs_root_and_listens_on_smtp(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "postfix", "start-fg")
    master = "/etc/postfix/master.cf"
    assert [(x.port, x.file, x.line) for x in cfg.listen] == [
        (25, master, line_of(packaged, master, "smtp      inet"))
    ]
    assert issues(a, "postfix")["identity"] == {"root"}


def test_unbound_port_control_socket_and_trust_anchor(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "unbound", "-d")
    assert ports(cfg) == {(53, "udp"), (53, "tcp")} and all(x.default for x in cfg.listen)
    assert cfg.user is not None and cfg.user.value == "unbound" and cfg.user.effect == "ignored"
    found = issues(a, "unbound")
    assert found["write"] == {"/run/unbound.ctl", "/run/unbound.pid", "/var/lib/unbound/root.key"}
    control = next(p for p in cfg.paths if p.path == "/run/unbound.ctl")
    remote = "/etc/unbound/unbound.conf.d/remote-control.conf"
    assert (control.file, control.line) == (remote, line_of(packaged, remote, "control-interface"))


def test_nsd_defaults_and_state_owned_by_nsd(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "nsd", "-d")
    assert ports(cfg) == {(53, "udp"), (53, "tcp")}
    assert issues(a, "nsd")["write"] == {"/run/nsd/nsd.pid", "/var/lib/nsd/xfrd.state"}
    a2, cfg2 = analyse(packaged, "nsd", "-d", "-p", "5353", "-P", "/tmp/nsd.pid")
    assert ports(cfg2) == {(5353, "udp"), (5353, "tcp")}
    assert issues(a2, "nsd")["write"] == {"/var/lib/nsd/xfrd.state"}


def test_powerdns_config_is_unreadable(packaged: FileTree) -> None:
    a, _cfg = analyse(packaged, "pdns_server", "--daemon=no", "--guardian=no")
    assert issues(a, "powerdns")["read"] == {"/etc/powerdns/pdns.conf"}
    entry = packaged.get("etc/powerdns/pdns.conf")
    assert entry is not None and entry.mode == 0o640 and entry.uid == 0  # root:pdns 0640


def test_slapd_listeners_user_switch_and_cn_config(packaged: FileTree) -> None:
    argv = ("slapd", "-h", "ldap:/// ldapi:///", "-u", "openldap", "-g", "openldap")
    a, cfg = analyse(packaged, *argv)
    assert ports(cfg) == {(389, "tcp")}
    assert cfg.user is not None and cfg.user.effect == "blocking"
    found = issues(a, "openldap")
    assert "/etc/ldap/slapd.d/cn=config.ldif" in found["read"]
    assert {"/var/lib/ldap", "/run/slapd/ldapi"} <= found["write"]
    mdb = "/etc/ldap/slapd.d/cn=config/olcDatabase={1}mdb.ldif"
    data = next(p for p in cfg.paths if p.path == "/var/lib/ldap")
    assert (data.file, data.line) == (mdb, line_of(packaged, mdb, "olcDbDirectory"))


def test_chrony_needs_root_or_u_and_the_clock_capability(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "chronyd", "-F", "1")
    assert issues(a, "chrony")["identity"] == {"root"}
    assert [c.capability for c in cfg.capabilities] == ["CAP_SYS_TIME"]
    assert cfg.listen == []  # no 'allow': a client only
    a2, cfg2 = analyse(packaged, "chronyd", "-U", "-x")
    assert issues(a2, "chrony")["identity"] == set() and cfg2.capabilities == []
    found = issues(a2, "chrony")
    assert found["write"] == {"/run/chrony/chronyd.pid"}
    assert "/var/log/chrony" in found["note"]


def test_dovecot_certificate_behind_private_dir(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "dovecot", "-F")
    assert (143, "tcp") in ports(cfg) and (993, "tcp") in ports(cfg)
    assert issues(a, "dovecot")["read"] == {
        "/etc/dovecot/private/dovecot.pem",
        "/etc/dovecot/private/dovecot.key",
    }
    [refusal] = [i for i in a.read_issues if i.read.path == "/etc/dovecot/private/dovecot.pem"]
    assert refusal.checked == "/etc/dovecot/private" and refusal.mode == 0o700


def test_cups_survives_what_it_cannot_open(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "cupsd", "-f")
    assert [(x.port, x.addr) for x in cfg.listen] == [(631, "localhost")]
    found = issues(a, "cups")
    assert found["write"] == set() and "/var/log/cups/error_log" in found["note"]


def test_rsyslog_files_are_notes(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "rsyslogd", "-n")
    assert cfg.listen == []  # imudp/imtcp are commented out in the packaged rsyslog.conf
    found = issues(a, "rsyslog")
    assert found["write"] == set() and "/var/log/syslog" in found["note"]


def test_samba_ports_and_state_directories(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "smbd", "--foreground", "--no-process-group")
    assert ports(cfg) == {(445, "tcp"), (139, "tcp")}
    assert {"/run/samba", "/var/lib/samba"} <= issues(a, "samba")["write"]


def test_tomcat_server_xml_unreadable_and_comments_skipped(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "/usr/libexec/tomcat10/tomcat-start.sh")
    xml = "/etc/tomcat10/server.xml"
    # the 8443 and AJP 8009 connectors are inside comments; the shutdown port is -1
    assert [(x.port, x.line) for x in cfg.listen] == [
        (8080, line_of(packaged, xml, '<Connector port="8080"'))
    ]
    found = issues(a, "tomcat")
    assert xml in found["read"]
    assert found["write"] == {"/var/lib/tomcat10/logs", "/var/lib/tomcat10/work"}


def test_uwsgi_reads_only_what_its_command_line_names(packaged: FileTree) -> None:
    _a, cfg = analyse(packaged, "uwsgi", "--http", ":9090", "--uid", "www-data")
    assert [(x.port, x.directive) for x in cfg.listen] == [(9090, "http")]
    assert cfg.user is not None and cfg.user.effect == "ignored"
    assert cfg.files == []


def test_sshd_host_keys(packaged: FileTree) -> None:
    a, cfg = analyse(packaged, "sshd", "-D", "-e")
    assert ports(cfg) == {(22, "tcp")}
    assert issues(a, "openssh")["read"] == {
        f"/etc/ssh/ssh_host_{k}_key" for k in ("rsa", "ecdsa", "ed25519")
    }


def test_daemon_table_has_at_least_25_servers() -> None:
    from unroot.daemons.table import DAEMONS

    assert len(DAEMONS) >= 25
    assert len({d.name for d in DAEMONS}) == len(DAEMONS)


# -- the daemon images of tests/images, as built -------------------------------------------


@pytest.fixture(scope="module")
def apache2(podman: Podman, base_images: dict[str, str]) -> Iterator[FileTree]:
    with mounted(podman, di.build(podman, "apache2")) as tree:
        yield tree


def test_apache_debian_config_as_shipped(apache2: FileTree) -> None:
    a, cfg = analyse(apache2, "apache2ctl", "-D", "FOREGROUND")
    ports_conf = "/etc/apache2/ports.conf"
    # Listen 443 sits in <IfModule ssl_module> (and mod_gnutls.c); neither module is enabled
    assert [(x.port, x.file, x.line) for x in cfg.listen] == [
        (80, ports_conf, line_of(apache2, ports_conf, "Listen 80"))
    ]
    assert cfg.user is not None and cfg.user.value == "www-data"  # from envvars
    pid = cfg.pid_file
    assert pid is not None and pid.path == "/var/run/apache2/apache2.pid"
    logs = {p.path for p in cfg.paths_of("log")}
    assert "/var/log/apache2/error.log" in logs
    refused = {i.path.path: i.reason for i in a.path_issues}
    assert "no search permission on /var/log/apache2" in refused["/var/log/apache2/error.log"]


@pytest.fixture(scope="module")
def redis(podman: Podman, base_images: dict[str, str]) -> Iterator[FileTree]:
    with mounted(podman, di.build(podman, "redis")) as tree:
        yield tree


def test_redis_config_behind_a_2770_directory(redis: FileTree) -> None:
    a, cfg = analyse(redis, "redis-server", "/etc/redis/redis.conf", "--daemonize", "no")
    [read] = a.read_issues
    assert read.read.path == "/etc/redis/redis.conf" and read.checked == "/etc/redis"
    assert read.mode == 0o2770
    pid = cfg.pid_file
    assert pid is not None and not pid.fatal  # redis logs 'Failed to write PID file' and goes on
    assert {i.path.path for i in a.path_issues if i.path.fatal} == {
        "/var/lib/redis",
        "/var/log/redis/redis-server.log",
    }
    # without a file operand redis-server reads no config at all
    _a, bare = analyse(redis, "redis-server")
    assert bare.files == [] and [x.port for x in bare.listen] == [6379]
