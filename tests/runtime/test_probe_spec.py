"""The --probe syntax: every documented form parses, every malformed one is a one-line
usage error naming the probe."""

from __future__ import annotations

import pytest

from unroot.errors import UsageError
from unroot.runtime.probes.registry import MODULES, probe_for
from unroot.runtime.probes.spec import KINDS, parse_probe, parse_status


def test_every_kind_has_a_probe_function() -> None:
    assert set(MODULES) == set(KINDS)
    for kind in KINDS:
        assert callable(probe_for(kind))


@pytest.mark.parametrize(
    ("text", "kind", "port", "proto", "path"),
    [
        ("http://:8080/healthz", "http", 8080, "tcp", "/healthz"),
        ("http://localhost:8080", "http", 8080, "tcp", "/"),
        ("http:8080/a/b?x=1", "http", 8080, "tcp", "/a/b?x=1"),
        ("https://:8443/", "https", 8443, "tcp", "/"),
        ("http-proxy:3128", "http-proxy", 3128, "tcp", "/"),
        ("proxy:3128", "http-proxy", 3128, "tcp", "/"),
        ("tcp:6379", "tcp", 6379, "tcp", "/"),
        ("redis:6379", "redis", 6379, "tcp", "/"),
        ("postgresql:5432", "postgres", 5432, "tcp", "/"),
        ("mariadb:3306", "mysql", 3306, "tcp", "/"),
        ("MQTT:1883", "mqtt", 1883, "tcp", "/"),
        ("dns:53", "dns", 53, "udp", "/"),
        ("dns:5353/tcp", "dns", 5353, "tcp", "/"),
        ("dns:53/udp", "dns", 53, "udp", "/"),
        ("smtp:2525", "smtp", 2525, "tcp", "/"),
        ("ftp:2121", "ftp", 2121, "tcp", "/"),
        ("memcached:11211", "memcached", 11211, "tcp", "/"),
        ("php-fpm:9000", "fastcgi", 9000, "tcp", "/"),
    ],
)
def test_forms(text: str, kind: str, port: int, proto: str, path: str) -> None:
    spec = parse_probe(text)
    assert (spec.kind, spec.port, spec.proto, spec.path) == (kind, port, proto, path)
    assert spec.ports() == ((port, proto),)
    assert str(spec) == text


def test_options() -> None:
    spec = parse_probe("http://:8080/x#status=200,204,timeout=3")
    assert spec.option("status") == "200,204"
    assert spec.timeout == 3.0
    dns = parse_probe("dns:53#name=service.test,type=AAAA,rcode=NOERROR")
    assert (dns.option("name"), dns.option("type"), dns.option("rcode")) == (
        "service.test",
        "AAAA",
        "NOERROR",
    )
    assert parse_probe("tcp:22#expect=SSH-").option("expect") == "SSH-"


def test_cmd_placeholders_name_the_ports_to_publish() -> None:
    spec = parse_probe("cmd:curl -fsS 'http://{host}:{port:8080}/' --resolve x:{port:53/udp}")
    assert spec.kind == "cmd"
    assert spec.command[0] == "curl"
    assert spec.ports() == ((8080, "tcp"), (53, "udp"))
    assert parse_probe("cmd:true").ports() == ()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "8080",
        "gopher:70",
        "http://example.com:80/",
        "tcp:0",
        "tcp:65536",
        "tcp:http",
        "redis:6379/udp",
        "tcp:80/extra",
        "http:80#colour=blue",
        "http:80#status=999",
        "http:80#status=abc",
        "http:80#timeout=0",
        "http:80#timeout=soon",
        "cmd:",
        "cmd:'unterminated",
        "cmd:x {port:99999}",
        "tcp:1" + "0" * 5000,
        "tcp:80\0",
    ],
)
def test_malformed_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_probe(text)
    assert "\n" not in str(info.value)


def test_status_ranges() -> None:
    assert parse_status("200") == ((200, 200),)
    assert parse_status("200-299,404") == ((200, 299), (404, 404))
    assert parse_status("any") == ((100, 599),)
