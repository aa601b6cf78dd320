"""UR120: exposed ports below 1024, which a non-root process cannot bind by default."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule
from unroot.untrusted import is_decimal

PRIVILEGED_BELOW = 1024
PROTOCOLS = ("tcp", "udp", "sctp")


@dataclass(frozen=True, slots=True)
class Port:
    first: int
    last: int
    protocol: str

    def text(self) -> str:
        number = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"{number}/{self.protocol}"


def parse_port(text: str) -> Port:
    """Parse "80", "80/tcp", "53/udp" or "8000-8010/tcp"; raise ValueError if malformed."""
    number, _, protocol = text.strip().partition("/")
    protocol = (protocol or "tcp").lower()
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}")
    first_text, dash, last_text = number.partition("-")
    values: list[int] = []
    for part in (first_text, last_text) if dash else (first_text,):
        if not (is_decimal(part)) or len(part) > 5:
            raise ValueError(f"{part!r} is not a port number")
        values.append(int(part))
    first, last = values[0], values[-1]
    if not 1 <= first <= last <= 65535:
        raise ValueError("port out of range 1-65535")
    return Port(first, last, protocol)


def check(ctx: ImageContext) -> Iterator[Finding]:
    for text in ctx.image.config.exposed_ports:
        evidence = Evidence(field="config.ExposedPorts", value=text)
        try:
            port = parse_port(text)
        except ValueError as exc:
            yield RULE.finding(
                f"exposed port {text!r} is not valid ({exc}); ignored",
                evidence,
                category=Category.INPUT,
                fix="Fix the EXPOSE instruction: 'EXPOSE 8080' or 'EXPOSE 8080/tcp'.",
                data={"port": text},
            )
            continue
        if port.first >= PRIVILEGED_BELOW:
            continue
        listened = ctx.start.daemon_ports
        level, note = RULE.severity, ""
        if listened is not None:
            level = Severity.INFO
            low = sorted(f"{p}/{proto}" for p, proto in listened)
            if any(
                port.first <= p <= port.last and proto == port.protocol for p, proto in listened
            ):
                note = f"; {ctx.start.daemon}'s config listens on it (reported from the config)"
            else:
                note = (
                    f"; {ctx.start.daemon}'s config does not listen on it "
                    f"(it listens on {', '.join(low) or 'no port'}): EXPOSE is only documentation"
                )
        suggestion = port.first + 8000 if port.first + 8000 < 65536 else 8080
        if port.first == 80:
            suggestion = 8080
        elif port.first == 443:
            suggestion = 8443
        yield RULE.finding(
            f"exposes port {port.text()}, below 1024: binding it needs root or "
            f"CAP_NET_BIND_SERVICE{note}",
            evidence,
            severity=level,
            fix=(
                f"Listen on {suggestion} instead and publish it as the old port "
                f"('-p {port.first}:{suggestion}', or a Service with port {port.first} and "
                f"targetPort {suggestion}); or grant NET_BIND_SERVICE, or set the sysctl "
                f"net.ipv4.ip_unprivileged_port_start={port.first}."
            ),
            data={
                "port": port.first,
                "last_port": port.last,
                "protocol": port.protocol,
                "suggested_port": suggestion,
            },
        )


RULE = Rule(
    id="UR120",
    kind="image",
    category=Category.LOW_PORT,
    severity=Severity.WARNING,
    title="Exposed port below 1024",
    rationale=(
        "Linux lets only processes with CAP_NET_BIND_SERVICE bind ports below 1024 "
        "(net.ipv4.ip_unprivileged_port_start). A server that listens on 80 works as root "
        "and fails with 'permission denied' as any other user, unless the platform grants "
        "the capability or lowers the sysctl (Docker does; Kubernetes does not by default)."
    ),
    fix=(
        "Make the server listen on an unprivileged port (8080) and map it outside: "
        "'-p 80:8080', or a Service port 80 -> targetPort 8080. Alternatively add "
        "NET_BIND_SERVICE to the container's capabilities, or set "
        "net.ipv4.ip_unprivileged_port_start in the pod's sysctls."
    ),
    docs=(
        "EXPOSE is documentation, but it is usually the port the daemon's config listens on. "
        "When the config of the daemon the image starts was read, that config decides: the "
        "daemon rules report its ports and EXPOSE is info (also when the image still exposes "
        "a port the daemon no longer listens on). Malformed ExposedPorts keys are reported in "
        "category 'input' and otherwise ignored."
    ),
    check=check,
)
