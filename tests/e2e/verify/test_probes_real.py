"""Probes against real servers where the daemon table has none (SMTP: Debian's postfix), and
the probe forms the table does not use (DNS over TCP, banners, host commands)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from unroot.runtime.podman import Podman
from unroot.runtime.probes.spec import parse_probe
from unroot.runtime.verify import VerifyOptions, verify

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

POSTFIX = """\
FROM localhost/unroot-base/debian:bookworm
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix \\
 && rm -rf /var/lib/apt/lists/*
EXPOSE 25
CMD ["postfix", "start-fg"]
"""


@pytest.fixture(scope="module")
def postfix(build_image: Callable[..., str]) -> str:
    return build_image("verify-postfix", POSTFIX)


def test_smtp_and_banner_probes_on_postfix(
    postfix: str, podman: Podman, userns_storage: None
) -> None:
    probes = (parse_probe("smtp:25"), parse_probe("tcp:25#expect=220 "))
    result = verify(postfix, VerifyOptions(timeout=60, userns=True, probes=probes), podman=podman)
    assert result.verdict == "pass", (result.reasons, result.logs[-2000:])
    smtp, banner = result.probes
    assert "EHLO -> 250" in smtp.detail and "220" in smtp.detail
    assert banner.ok and "220" in banner.detail


def test_dns_over_tcp_and_a_named_answer(
    podman: Podman, base_images: dict[str, str], userns_storage: None
) -> None:
    import daemon_images

    tag = daemon_images.build(podman, "dnsmasq")
    probes = (
        parse_probe("dns:53/tcp#name=service.test,rcode=NOERROR"),
        parse_probe("dns:53#name=nothing.invalid,rcode=NOERROR"),
    )
    options = VerifyOptions(timeout=30, userns=True, probes=probes[:1], trace="never")
    result = verify(tag, options, podman=podman)
    assert result.verdict == "pass", result.reasons
    assert "over tcp" in result.probes[0].detail
    wrong = verify(tag, VerifyOptions(timeout=10, userns=True, probes=probes[1:], trace="never"),
                   podman=podman)  # fmt: skip
    assert wrong.verdict == "fail"
    assert "expected NOERROR" in wrong.probes[0].detail


def test_cmd_probe_gets_the_published_port(images: dict[str, str], podman: Podman) -> None:
    script = (
        "import sys, urllib.request; "
        "body = urllib.request.urlopen(sys.argv[1], timeout=5).read(); "
        "sys.exit(0 if b'arbitrary UID' in body else 1)"
    )
    spec = parse_probe(f'cmd:{sys.executable} -c "{script}" http://{{host}}:{{port:8080}}/')
    result = verify(images["good"], VerifyOptions(timeout=30, probes=(spec,)), podman=podman)
    assert result.verdict == "pass", result.probes
    failing = parse_probe(f"cmd:{sys.executable} -c 'import sys; sys.exit(4)'")
    options = VerifyOptions(timeout=3, probes=(failing,), trace="never")
    bad = verify(images["good"], options, podman=podman)
    assert bad.verdict == "fail" and "exited 4" in bad.probes[0].detail
