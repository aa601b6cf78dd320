import pytest
from imagekit import make_image, run_rule

from unroot.findings import Category


@pytest.mark.parametrize(
    ("text", "port", "protocol"),
    [("80/tcp", 80, "tcp"), ("53/udp", 53, "udp"), ("443", 443, "tcp"), ("1023/tcp", 1023, "tcp")],
)
def test_catches_low_ports(text: str, port: int, protocol: str) -> None:
    [finding] = run_rule("UR120", make_image(ports=[text]))
    assert finding.category is Category.LOW_PORT
    assert finding.data["port"] == port
    assert finding.data["protocol"] == protocol
    assert finding.evidence[0].field == "config.ExposedPorts"
    assert finding.evidence[0].value == text
    assert "NET_BIND_SERVICE" in (finding.fix or "")


def test_fix_maps_80_to_8080() -> None:
    [finding] = run_rule("UR120", make_image(ports=["80/tcp"]))
    assert "-p 80:8080" in (finding.fix or "")


@pytest.mark.parametrize("text", ["1024/tcp", "8080/tcp", "65535/udp", "5000-5010/tcp"])
def test_catches_not_high_ports(text: str) -> None:
    assert run_rule("UR120", make_image(ports=[text])) == []


@pytest.mark.parametrize("text", ["http/tcp", "80/icmp", "0/tcp", "70000/tcp", "", "-1/tcp"])
def test_bad_port_string_is_an_input_finding(text: str) -> None:
    [finding] = run_rule("UR120", make_image(ports=[text]))
    assert finding.category is Category.INPUT


def test_one_finding_per_port() -> None:
    found = run_rule("UR120", make_image(ports=["80/tcp", "443/tcp", "8080/tcp"]))
    assert sorted(f.data["port"] for f in found) == [80, 443]
