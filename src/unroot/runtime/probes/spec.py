"""The ``--probe SPEC`` syntax.

Forms (ports are container ports; unroot publishes them on free host ports):

- ``http://:8080/healthz``, ``https://:8443/`` (a URL; the host part is ignored), or
  ``http:8080/healthz``; options after ``#``: ``#status=200`` (a code, a range ``200-299``, a
  list ``200,204`` or ``any``; default 200-399)
- ``http-proxy:3128``: an HTTP proxy that answers a proxy request (any status)
- ``tcp:6379`` (``#expect=SSH-`` checks the start of a banner)
- ``redis:6379``, ``postgres:5432``, ``mysql:3306``, ``mqtt:1883``, ``smtp:25``, ``ftp:21``,
  ``memcached:11211``, ``fastcgi:9000``
- ``dns:53`` (UDP) or ``dns:53/tcp``; ``#name=example.test,type=A,rcode=NOERROR``
- ``cmd:COMMAND ARGS...``: run on the host; ``{host}`` and ``{port:N}`` (the host port that
  container port N is published on; ``{port:N/udp}`` for UDP) are substituted; exit 0 passes

Every form accepts ``#timeout=SECONDS`` for one attempt.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from unroot.errors import UsageError

KINDS = (
    "http",
    "https",
    "http-proxy",
    "tcp",
    "redis",
    "postgres",
    "mysql",
    "mqtt",
    "dns",
    "smtp",
    "ftp",
    "memcached",
    "fastcgi",
    "cmd",
)
ALIASES = {
    "postgresql": "postgres",
    "mariadb": "mysql",
    "fcgi": "fastcgi",
    "php-fpm": "fastcgi",
    "proxy": "http-proxy",
}
PORT_PLACEHOLDER = re.compile(r"\{port:(\d{1,5})(?:/(tcp|udp))?\}")
_OPTION_KEYS = {
    "http": {"status", "timeout", "host"},
    "https": {"status", "timeout", "host"},
    "http-proxy": {"status", "timeout"},
    "tcp": {"expect", "timeout"},
    "dns": {"name", "type", "rcode", "timeout"},
}
_DEFAULT_KEYS = {"timeout"}
MAX_SPEC = 4096


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """A parsed probe: kind, the container port (None for ``cmd`` without placeholders)."""

    kind: str
    port: int | None
    proto: str = "tcp"
    path: str = "/"
    options: tuple[tuple[str, str], ...] = ()
    command: tuple[str, ...] = ()
    text: str = ""

    def option(self, key: str, default: str = "") -> str:
        return next((v for k, v in self.options if k == key), default)

    @property
    def timeout(self) -> float | None:
        raw = self.option("timeout")
        return float(raw) if raw else None

    def ports(self) -> tuple[tuple[int, str], ...]:
        """The container ports this probe needs published."""
        if self.kind == "cmd":
            found = PORT_PLACEHOLDER.findall(" ".join(self.command))
            return tuple(dict.fromkeys((int(p), proto or "tcp") for p, proto in found))
        return () if self.port is None else ((self.port, self.proto),)

    def __str__(self) -> str:
        return self.text or f"{self.kind}:{self.port}"


def parse_probe(text: str) -> ProbeSpec:
    """Parse one ``--probe`` value; a malformed one is a :class:`UsageError` naming it."""
    raw = text.strip()
    if not raw or len(raw) > MAX_SPEC or "\0" in raw:
        raise UsageError(f"probe {text[:80]!r}: empty, too long or contains NUL")
    kind, sep, rest = raw.partition(":")
    kind = ALIASES.get(kind.lower(), kind.lower())
    if not sep or kind not in KINDS:
        raise UsageError(
            f"probe {raw!r}: expected KIND:PORT... with KIND one of {', '.join(KINDS)}"
        )
    if kind == "cmd":
        return _parse_cmd(raw, rest)
    body, _, opts = rest.partition("#")
    options = _parse_options(raw, kind, opts)
    if kind in ("http", "https") and body.startswith("//"):
        body = body[2:]
        host, _, body = body.partition(":")
        if host not in ("", "localhost", "127.0.0.1"):
            raise UsageError(f"probe {raw!r}: give only the container port (http://:PORT/path)")
    port_text, _, path = body.partition("/")
    port = _port(raw, port_text)
    proto = "udp" if kind == "dns" else "tcp"
    if kind in ("http", "https", "http-proxy"):
        path = "/" + path
    else:
        if path in ("udp", "tcp"):
            proto = path
        elif path:
            raise UsageError(f"probe {raw!r}: only /udp or /tcp may follow the port")
        path = "/"
        if proto == "udp" and kind != "dns":
            raise UsageError(f"probe {raw!r}: only dns probes speak UDP")
    _check_option_values(raw, options)
    return ProbeSpec(kind, port, proto, path, options, (), raw)


def _parse_cmd(raw: str, rest: str) -> ProbeSpec:
    try:
        argv = tuple(shlex.split(rest))
    except ValueError as exc:
        raise UsageError(f"probe {raw!r}: {exc}") from None
    if not argv:
        raise UsageError(f"probe {raw!r}: cmd: needs a command")
    spec = ProbeSpec("cmd", None, "tcp", "/", (), argv, raw)
    for port, _ in spec.ports():
        if not 0 < port <= 65535:
            raise UsageError(f"probe {raw!r}: {{port:{port}}} is not a port number")
    return spec


def _port(raw: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise UsageError(f"probe {raw!r}: {text!r} is not a port number (1-65535)")
    return int(text)


def _parse_options(raw: str, kind: str, text: str) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    allowed = _OPTION_KEYS.get(kind, _DEFAULT_KEYS)
    out: list[tuple[str, str]] = []
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if kind in ("http", "https", "http-proxy") and not sep and key.isdigit() and out:
            # "#status=200,204": a list of codes continues the previous option
            prev_key, prev = out.pop()
            out.append((prev_key, f"{prev},{key}"))
            continue
        if not sep or key not in allowed:
            raise UsageError(
                f"probe {raw!r}: option {part!r} (allowed: {', '.join(sorted(allowed))})"
            )
        out.append((key, value.strip()))
    return tuple(out)


def _check_option_values(raw: str, options: tuple[tuple[str, str], ...]) -> None:
    for key, value in options:
        if key == "timeout":
            try:
                seconds = float(value)
            except ValueError:
                seconds = -1
            if not 0 < seconds <= 300:
                raise UsageError(f"probe {raw!r}: timeout must be seconds in (0, 300]")
        if key == "status":
            parse_status(value, raw)


def parse_status(text: str, raw: str = "") -> tuple[tuple[int, int], ...]:
    """``200``, ``200-299``, ``200,204`` or ``any`` as inclusive ranges."""
    if text.lower() == "any":
        return ((100, 599),)
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        low, sep, high = part.strip().partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise UsageError(f"probe {raw!r}: status {text!r} (e.g. 200, 200-299, any)")
        lo, hi = int(low), int(high) if sep else int(low)
        if not 100 <= lo <= hi <= 599:
            raise UsageError(f"probe {raw!r}: status {text!r} outside 100-599")
        ranges.append((lo, hi))
    return tuple(ranges)
