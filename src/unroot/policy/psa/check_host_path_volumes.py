"""hostPathVolumes (baseline).

HostPath volumes must be forbidden.

**Restricted Fields:** spec.volumes[*].hostPath

**Allowed Values:** undefined/null
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, join_quote, pluralize


def host_path_volumes_v1_0(pod: PodView) -> CheckResult:
    """No volume may be a hostPath volume."""
    volumes = pod.spec.get("volumes")
    if not volumes:
        return ALLOWED
    bad: list[str] = []
    paths: list[str] = []
    for index, volume in enumerate(volumes):
        if volume.get("hostPath") is not None:
            name = volume.get("name")
            bad.append(name if isinstance(name, str) else "")
            paths.append(f"spec.volumes[{index}].hostPath")
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "hostPath volumes",
        f"{pluralize('volume', 'volumes', len(bad))} {join_quote(bad)}",
        tuple(paths),
    )


CHECK: Final = Check(
    id="hostPathVolumes",
    level="baseline",
    versions=(VersionedCheck(0, host_path_volumes_v1_0),),
)
