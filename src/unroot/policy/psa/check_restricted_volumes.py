"""restrictedVolumes (restricted; replaces hostPathVolumes).

The restricted policy only permits the following volume types.

**Restricted Fields:** spec.volumes[*]

**Allowed Values:** every item in spec.volumes[*] must set one of the following fields to a
non-null value: spec.volumes[*].configMap, spec.volumes[*].csi, spec.volumes[*].downwardAPI,
spec.volumes[*].emptyDir, spec.volumes[*].ephemeral, spec.volumes[*].persistentVolumeClaim,
spec.volumes[*].projected, spec.volumes[*].secret

Defaulting: the API server turns a volume with no source into an ``emptyDir``; we evaluate raw
manifests, so a volume whose only non-null field is ``name`` counts as ``emptyDir``. A source
we do not know (a typo, a newer type) is restricted under its own name, even beside an allowed
one (the API server would reject such a volume anyway): fail closed.
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, join_quote, pluralize

ALLOWED_SOURCES_V1_0: Final = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)


def restricted_volumes_v1_0(pod: PodView) -> CheckResult:
    """Every volume uses one of the allowed sources."""
    volumes = pod.spec.get("volumes")
    if not volumes:
        return ALLOWED
    bad: list[str] = []
    types: set[str] = set()
    paths: list[str] = []
    for index, volume in enumerate(volumes):
        restricted = [
            str(key)
            for key, value in volume.items()
            if value is not None and key != "name" and key not in ALLOWED_SOURCES_V1_0
        ]
        if restricted:
            name = volume.get("name")
            bad.append(name if isinstance(name, str) else "")
            types.update(restricted)
            paths.extend(f"spec.volumes[{index}].{key}" for key in restricted)
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "restricted volume types",
        f"{pluralize('volume', 'volumes', len(bad))} {join_quote(bad)} "
        f"{pluralize('uses', 'use', len(bad))} "
        f"{pluralize('restricted volume type', 'restricted volume types', len(types))} "
        f"{join_quote(sorted(types))}",
        tuple(paths),
    )


CHECK: Final = Check(
    id="restrictedVolumes",
    level="restricted",
    versions=(VersionedCheck(0, restricted_volumes_v1_0, overrides=("hostPathVolumes",)),),
)
