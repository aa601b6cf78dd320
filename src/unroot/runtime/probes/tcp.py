"""TCP probe: the port accepts a connection (and, with ``#expect=``, sends that banner)."""

from __future__ import annotations

from unroot.runtime.probes.base import ProbeContext, ProbeResult, connect
from unroot.runtime.probes.spec import ProbeSpec


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    expect = spec.option("expect")
    with connect(ctx, spec) as sock:
        if not expect:
            return ProbeResult(True, "connection accepted", answered=True)
        banner = sock.recv(1024)
    text = banner.decode("latin-1").strip()
    if banner.startswith(expect.encode()):
        return ProbeResult(True, f"banner {text[:80]!r}", answered=True)
    if not banner:
        return ProbeResult(False, "connection closed without a banner", answered=True)
    return ProbeResult(False, f"banner {text[:80]!r}, expected {expect!r}", answered=True)
