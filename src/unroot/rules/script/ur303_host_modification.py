"""UR303: the entrypoint changes the host or kernel: sysctl, modules, mounts, firewall, links."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.script._common import loc, where
from unroot.shell.facts import EntrypointAnalysis

_FIXES = {
    "sysctl": (
        "Set the sysctl outside the container: pod securityContext.sysctls for namespaced "
        "ones (net.*, kernel.shm*, kernel.msg*, kernel.sem), a node-level setting otherwise; "
        "then remove it from the entrypoint."
    ),
    "proc_write": (
        "Set the value through pod securityContext.sysctls (namespaced keys) or on the node, "
        "and remove the write."
    ),
    "iptables": (
        "Move firewall/NAT setup to the platform (NetworkPolicy, CNI, an init container with "
        "NET_ADMIN) or grant NET_ADMIN (and NET_RAW) explicitly."
    ),
    "ip": ("Configure links and routes from the platform (CNI, pod spec), or grant NET_ADMIN."),
    "mount": "Use volumes (emptyDir, tmpfs via medium: Memory) instead of mounting at start.",
    "modprobe": "Load kernel modules on the node, not from a container.",
    "ulimit": (
        "Set the limit from the runtime (--ulimit nofile=N:N, or the node's default) and remove "
        "the ulimit call, or keep only a soft-limit change ('ulimit -Sn')."
    ),
    "hostname": "Set the hostname in the pod spec (hostname:) or with --hostname.",
}


def check(analysis: EntrypointAnalysis) -> Iterator[Finding]:
    for h in analysis.host_mods:
        yield RULE.finding(
            f"{h.detail} at start ({loc(h.file, h.line)}): needs {h.capability}",
            where(h.file, h.line, h.text),
            severity=Severity.ERROR if h.certain else Severity.WARNING,
            fix=_FIXES.get(h.kind, RULE.fix),
            data={"kind": h.kind, "capability": h.capability, "certain": h.certain},
        )


RULE = Rule(
    id="UR303",
    kind="script",
    category=Category.HOST_MODIFICATION,
    severity=Severity.ERROR,
    title="Entrypoint modifies the host or kernel settings",
    rationale=(
        "sysctl writes, kernel modules, mounts, firewall rules, link and route changes and "
        "raised hard limits need root plus a capability (NET_ADMIN, SYS_ADMIN, SYS_MODULE, "
        "SYS_RESOURCE) or a node-level change. They fail for any non-root user, and they are "
        "what makes a container need more than just 'root'."
    ),
    fix=(
        "Move the change to the platform (pod sysctls, runtime ulimits, node config) or grant "
        "exactly the capability named."
    ),
    docs=(
        "Each finding names the capability or the platform setting that replaces it. A ulimit "
        "raise that may stay under the runtime's default hard limit is a warning."
    ),
    check=check,
)
