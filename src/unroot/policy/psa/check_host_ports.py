"""hostPorts (baseline).

HostPorts should be disallowed entirely (recommended) or restricted to a known list.

**Restricted Fields:**
spec.containers[*].ports[*].hostPort,
spec.initContainers[*].ports[*].hostPort,
spec.ephemeralContainers[*].ports[*].hostPort

**Allowed Values:** undefined/null, 0
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase, pluralize


def host_ports_v1_0(pod: PodView) -> CheckResult:
    """No container port may set a non-zero hostPort."""
    bad: list[str] = []
    ports: set[int] = set()
    paths: list[str] = []
    for c in pod.containers:
        declared = c.container.get("ports")
        if not declared:
            continue
        found = False
        for index, port in enumerate(declared):
            host_port = port.get("hostPort")
            if host_port:
                found = True
                ports.add(host_port)
                paths.append(f"{c.path}.ports[{index}].hostPort")
        if found:
            bad.append(c.name)
    if not bad:
        return ALLOWED
    listed = ", ".join(str(p) for p in sorted(ports))
    return CheckResult(
        False,
        "hostPort",
        f"{containers_phrase(bad)} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('hostPort', 'hostPorts', len(ports))} {listed}",
        tuple(paths),
    )


CHECK: Final = Check(
    id="hostPorts",
    level="baseline",
    versions=(VersionedCheck(0, host_ports_v1_0),),
)
