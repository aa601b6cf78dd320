"""Which probe an image gets when none is given: daemon from the command, port from the
label, the configuration, EXPOSE or the daemon's default, in that order."""

from __future__ import annotations

from unroot.runtime.probes.derive import daemon_argv, daemon_of, derive


def test_daemon_from_entrypoint_or_command() -> None:
    assert daemon_of(["nginx", "-g", "daemon off;"]) == "nginx"
    assert daemon_of(["/usr/local/bin/docker-entrypoint.sh", "redis-server"]) == "redis"
    assert daemon_argv(["tini", "--", "/usr/sbin/named", "-g"]) == ("/usr/sbin/named", "-g")
    assert daemon_of(["/app/server"]) is None


def test_port_sources_in_order_of_trust() -> None:
    argv = ["nginx"]
    d = derive(argv, labelled=[(8080, "tcp")], configured=[(80, "tcp")], exposed=[(80, "tcp")])
    assert (d.probe and d.probe.kind, d.probe and d.probe.port) == ("http", 8080)
    assert "label" in d.reason
    d = derive(argv, configured=[(8081, "tcp")], exposed=[(80, "tcp")])
    assert d.probe is not None and d.probe.port == 8081
    d = derive(argv, exposed=[(8000, "tcp")])
    assert d.probe is not None and d.probe.port == 8000
    d = derive(argv)
    assert d.probe is not None and d.probe.port == 80 and "default" in d.reason


def test_protocol_per_daemon() -> None:
    cases = {
        ("redis-server",): ("redis", 6379, "tcp"),
        ("postgres", "-D", "/x"): ("postgres", 5432, "tcp"),
        ("mariadbd",): ("mysql", 3306, "tcp"),
        ("memcached",): ("memcached", 11211, "tcp"),
        ("squid", "-N"): ("http-proxy", 3128, "tcp"),
        ("dnsmasq",): ("dns", 53, "udp"),
        ("named", "-g"): ("dns", 53, "udp"),
        ("mosquitto",): ("mqtt", 1883, "tcp"),
        ("vsftpd",): ("ftp", 21, "tcp"),
        ("sshd", "-D"): ("tcp", 22, "tcp"),
    }
    for argv, expected in cases.items():
        d = derive(argv)
        assert d.probe is not None, argv
        assert (d.probe.kind, d.probe.port, d.probe.proto) == expected, argv


def test_dns_prefers_udp_when_both_are_exposed() -> None:
    d = derive(["dnsmasq"], exposed=[(53, "tcp"), (53, "udp")])
    assert d.probe is not None and d.probe.proto == "udp"


def test_unknown_program_by_port_or_plain_tcp() -> None:
    d = derive(["/app/server"], exposed=[(5432, "tcp")])
    assert d.probe is not None and d.probe.kind == "postgres"
    d = derive(["/app/server"], exposed=[(9999, "tcp")])
    assert d.probe is not None and (d.probe.kind, d.probe.port) == ("tcp", 9999)
    d = derive(["/app/server"], exposed=[(9999, "udp")])
    assert d.probe is None
    d = derive(["/app/worker"])
    assert d.probe is None and "keeps running" in d.reason
