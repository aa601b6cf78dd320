"""HTTP(S) and HTTP-proxy probes: one request, the status line decides."""

from __future__ import annotations

import http.client
import ssl

from unroot.runtime.probes.base import ProbeContext, ProbeResult, ProtocolError
from unroot.runtime.probes.spec import ProbeSpec, parse_status

DEFAULT_STATUS = "200-399"
PROXY_TARGET = "http://unroot-probe.invalid/"
"""A name that never resolves: a proxy answers it with its own error page, which proves that
it parsed a proxy request without sending anything anywhere."""


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    assert spec.port is not None
    port = ctx.host_port(spec.port, "tcp")
    conn: http.client.HTTPConnection
    if spec.kind == "https":
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE  # a container's certificate is rarely valid for 127.0.0.1
        conn = http.client.HTTPSConnection(ctx.host, port, timeout=ctx.timeout, context=tls)
    else:
        conn = http.client.HTTPConnection(ctx.host, port, timeout=ctx.timeout)
    proxy = spec.kind == "http-proxy"
    target = PROXY_TARGET if proxy else spec.path
    wanted = spec.option("status", "any" if proxy else DEFAULT_STATUS)
    try:
        headers = {"Host": spec.option("host", "localhost"), "User-Agent": "unroot-probe"}
        if proxy:
            headers["Host"] = "unroot-probe.invalid"
        conn.request("GET", target, headers=headers)
        resp = conn.getresponse()
        resp.read(65536)
    except http.client.HTTPException as exc:
        raise ProtocolError(f"not an HTTP response ({type(exc).__name__})") from None
    finally:
        conn.close()
    ok = any(lo <= resp.status <= hi for lo, hi in parse_status(wanted))
    server = resp.getheader("Server")
    detail = f"GET {target} -> {resp.status} {resp.reason}".rstrip()
    if server:
        detail += f" (Server: {server[:60]})"
    if not ok:
        detail += f"; expected status {wanted}"
    return ProbeResult(ok, detail, answered=True)
