"""The order in which SCCs are tried: priority, then how restrictive, then name.

OpenShift sorts SCCs by priority (higher first, unset is 0), then by a point value where lower
means more restrictive, then by name. The point values are upstream's (``util/sort`` of the
admission plugin): each permission adds a weight chosen so that a weaker restriction always
outweighs any combination of stronger ones. They decide which SCC admits a pod when several
would, so they are reproduced exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

from unroot.policy.scc.model import SCC

PRIVILEGED = 1_600_000
HOST_PORTS = 800_000
HOST_NETWORK = 400_000
HOST_VOLUME = 200_000
NON_TRIVIAL_VOLUME = 100_000
# The same weights serve runAsUser and seLinuxContext strategies (they share type names).
STRATEGY_POINTS = {
    "RunAsAny": 40_000,
    "MustRunAsNonRoot": 30_000,
    "MustRunAsRange": 20_000,
    "MustRunAs": 10_000,
}
CAP_DEFAULT = 5000
CAP_ADD_ONE = 300
CAP_ALLOW_ALL = 4000
CAP_ALLOW_ONE = 10
CAP_DROP_ALL = -3000
CAP_DROP_ONE = -50
CAP_MAX = 9999
CAP_MIN = 0

# Volume types that cost nothing: they expose only what the pod's namespace already holds.
_TRIVIAL_VOLUMES = frozenset(
    {"secret", "configMap", "emptyDir", "downwardAPI", "projected", "none"}
)


def volume_points(scc: SCC) -> int:
    host = non_trivial = False
    for volume in scc.volumes:
        if volume in ("hostPath", "*"):
            host = True
        elif volume not in _TRIVIAL_VOLUMES:
            non_trivial = True
    if host:
        return HOST_VOLUME
    return NON_TRIVIAL_VOLUME if non_trivial else 0


def _has_cap(needle: str, haystack: tuple[str, ...]) -> bool:
    return any(cap.upper() == needle for cap in haystack)


def capability_points(scc: SCC) -> int:
    points = CAP_DEFAULT + CAP_ADD_ONE * len(scc.default_add_capabilities)
    if _has_cap("*", scc.allowed_capabilities) or _has_cap("ALL", scc.allowed_capabilities):
        points += CAP_ALLOW_ALL
    else:
        points += CAP_ALLOW_ONE * len(scc.allowed_capabilities)
    if _has_cap("ALL", scc.required_drop_capabilities):
        points += CAP_DROP_ALL
    else:
        points += CAP_DROP_ONE * len(scc.required_drop_capabilities)
    return max(CAP_MIN, min(CAP_MAX, points))


def point_value(scc: SCC) -> int:
    """How permissive ``scc`` is: lower is more restrictive."""
    points = PRIVILEGED if scc.allow_privileged_container else 0
    points += volume_points(scc)
    points += HOST_NETWORK if scc.allow_host_network else 0
    points += HOST_PORTS if scc.allow_host_ports else 0
    points += capability_points(scc)
    points += STRATEGY_POINTS.get(scc.selinux_type, 0)
    points += STRATEGY_POINTS.get(scc.run_as_user_type, 0)
    return points


def sort_key(scc: SCC) -> tuple[int, int, str]:
    return (-(scc.priority or 0), point_value(scc), scc.name)


def order(sccs: Iterable[SCC]) -> list[SCC]:
    """SCCs in the order admission tries them."""
    return sorted(sccs, key=sort_key)
