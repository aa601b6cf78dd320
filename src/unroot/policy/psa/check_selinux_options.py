"""seLinuxOptions (baseline).

Setting the SELinux type is restricted, and setting a custom SELinux user or role option is
forbidden.

**Restricted Fields:**
spec.securityContext.seLinuxOptions.type,
spec.containers[*].securityContext.seLinuxOptions.type,
spec.initContainers[*].securityContext.seLinuxOptions.type,
spec.ephemeralContainers[*].securityContext.seLinuxOptions.type

**Allowed Values:** undefined/"", container_t, container_init_t, container_kvm_t,
container_engine_t (from v1.31)

**Restricted Fields:**
spec.securityContext.seLinuxOptions.user, spec.containers[*].securityContext.seLinuxOptions.user,
spec.initContainers[*].securityContext.seLinuxOptions.user,
spec.ephemeralContainers[*].securityContext.seLinuxOptions.user,
spec.securityContext.seLinuxOptions.role, spec.containers[*].securityContext.seLinuxOptions.role,
spec.initContainers[*].securityContext.seLinuxOptions.role,
spec.ephemeralContainers[*].securityContext.seLinuxOptions.role

**Allowed Values:** undefined/""
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase, join_quote, pluralize

ALLOWED_TYPES_V1_0: Final = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
ALLOWED_TYPES_V1_31: Final = ALLOWED_TYPES_V1_0 | {"container_engine_t"}


def _make(allowed_types: frozenset[str]) -> Callable[[PodView], CheckResult]:
    def check(pod: PodView) -> CheckResult:
        if pod.psc.get("seLinuxOptions") is None and not any(
            c.sc.get("seLinuxOptions") is not None for c in pod.containers
        ):
            return ALLOWED
        types: set[str] = set()
        flags = {"user": False, "role": False}
        paths: list[str] = []

        def valid(options: dict[str, Any] | None, base: str) -> bool:
            if options is None:
                return True
            ok = True
            value = options.get("type") or ""
            if value not in allowed_types:
                ok = False
                types.add(value)
                paths.append(f"{base}.type")
            for key in ("user", "role"):
                if options.get(key):
                    ok = False
                    flags[key] = True
                    paths.append(f"{base}.{key}")
            return ok

        setters: list[str] = []
        if not valid(pod.psc.get("seLinuxOptions"), "spec.securityContext.seLinuxOptions"):
            setters.append("pod")
        bad = [
            c.name
            for c in pod.containers
            if not valid(c.sc.get("seLinuxOptions"), f"{c.path}.securityContext.seLinuxOptions")
        ]
        if bad:
            setters.append(containers_phrase(bad))
        if not setters:
            return ALLOWED
        problems: list[str] = []
        if types:
            problems.append(f"{pluralize('type', 'types', len(types))} {join_quote(sorted(types))}")
        if flags["user"]:
            problems.append("user may not be set")
        if flags["role"]:
            problems.append("role may not be set")
        return CheckResult(
            False,
            "seLinuxOptions",
            f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: "
            f"{'; '.join(problems)}",
            tuple(paths),
        )

    return check


se_linux_options_v1_0: Final = _make(ALLOWED_TYPES_V1_0)
se_linux_options_v1_0.__doc__ = "Types limited to the container types; no user, no role."
se_linux_options_v1_31: Final = _make(ALLOWED_TYPES_V1_31)
se_linux_options_v1_31.__doc__ = "As v1.0, and container_engine_t is an allowed type."

CHECK: Final = Check(
    id="seLinuxOptions",
    level="baseline",
    versions=(
        VersionedCheck(0, se_linux_options_v1_0),
        VersionedCheck(31, se_linux_options_v1_31),
    ),
)
