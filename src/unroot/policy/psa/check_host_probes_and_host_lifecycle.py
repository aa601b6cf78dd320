"""hostProbesAndHostLifecycle (baseline, from v1.34).

The host field of probes and lifecycle hooks must not be set: it would let the kubelet send
requests to any address on the node's network on behalf of the pod.

**Restricted Fields:**
spec.containers[*].livenessProbe.httpGet.host, spec.containers[*].readinessProbe.httpGet.host,
spec.containers[*].startupProbe.httpGet.host, spec.containers[*].livenessProbe.tcpSocket.host,
spec.containers[*].readinessProbe.tcpSocket.host, spec.containers[*].startupProbe.tcpSocket.host,
spec.containers[*].lifecycle.postStart.tcpSocket.host,
spec.containers[*].lifecycle.preStop.tcpSocket.host,
spec.containers[*].lifecycle.postStart.httpGet.host,
spec.containers[*].lifecycle.preStop.httpGet.host,
and the same fields of spec.initContainers[*] and spec.ephemeralContainers[*]

**Allowed Values:** undefined/""
"""

from __future__ import annotations

from typing import Any, Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase, join_quote, pluralize

_PROBES: Final = ("livenessProbe", "readinessProbe", "startupProbe")
_HOOKS: Final = ("postStart", "preStop")
_ACTIONS: Final = ("httpGet", "tcpSocket")


def _hosts(handler: dict[str, Any] | None, base: str, hosts: set[str], paths: list[str]) -> bool:
    if handler is None:
        return False
    found = False
    for action in _ACTIONS:
        spec = handler.get(action)
        if spec is not None:
            host = spec.get("host")
            if host:
                found = True
                hosts.add(host)
                paths.append(f"{base}.{action}.host")
    return found


def host_probes_and_host_lifecycle_v1_34(pod: PodView) -> CheckResult:
    """No probe or lifecycle hook may name a host."""
    bad: list[str] = []
    hosts: set[str] = set()
    paths: list[str] = []
    for c in pod.containers:
        container = c.container
        found = False
        for probe in _PROBES:
            if _hosts(container.get(probe), f"{c.path}.{probe}", hosts, paths):
                found = True
        lifecycle = container.get("lifecycle")
        if lifecycle is not None:
            for hook in _HOOKS:
                if _hosts(lifecycle.get(hook), f"{c.path}.lifecycle.{hook}", hosts, paths):
                    found = True
        if found:
            bad.append(c.name)
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "probe or lifecycle host",
        f"{containers_phrase(bad)} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} "
        f"{join_quote(sorted(hosts))}",
        tuple(paths),
    )


CHECK: Final = Check(
    id="hostProbesAndHostLifecycle",
    level="baseline",
    versions=(VersionedCheck(34, host_probes_and_host_lifecycle_v1_34),),
)
