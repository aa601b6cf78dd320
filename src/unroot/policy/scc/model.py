"""The SecurityContextConstraints model: OpenShift's ``security.openshift.io/v1`` fields, as data.

One frozen value per SCC, read by :mod:`unroot.policy.scc.profile` from an object exactly as
given (admission requests) or after the API server's defaulting (cluster exports, user files).
Nothing here decides anything: a missing ``allowPrivilegeEscalation`` stays ``None`` and a
missing ``seccompProfiles`` stays ``None`` because upstream gives both a meaning of their own
(escalation allowed; no profile may be set).
"""

from __future__ import annotations

from dataclasses import dataclass

RUN_AS_USER_TYPES = ("MustRunAs", "MustRunAsRange", "MustRunAsNonRoot", "RunAsAny")
SELINUX_TYPES = ("MustRunAs", "RunAsAny")
GROUP_TYPES = ("MustRunAs", "RunAsAny")
USERNS_LEVELS = ("AllowHostLevel", "RequirePodLevel")

REQUIRE_POD_LEVEL = "RequirePodLevel"


@dataclass(frozen=True, slots=True)
class IDRange:
    """An inclusive range of IDs (an SCC's ``{min, max}``; a missing member is 0)."""

    min: int
    max: int

    def __contains__(self, value: object) -> bool:
        return (
            isinstance(value, int) and not isinstance(value, bool) and self.min <= value <= self.max
        )

    def __str__(self) -> str:
        return f"[{self.min}, {self.max}]"


@dataclass(frozen=True, slots=True)
class SELinuxOptions:
    """``seLinuxOptions``: a missing member is the empty string, as in the API types."""

    user: str = ""
    role: str = ""
    type: str = ""
    level: str = ""

    def as_json(self) -> dict[str, str]:
        """The pod-spec form: empty members omitted (Go's ``omitempty``)."""
        out = {}
        for key in ("user", "role", "type", "level"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class SCC:
    """One SecurityContextConstraints object. Field names are the API's, in snake case."""

    name: str
    priority: int | None = None
    allow_privileged_container: bool = False
    default_add_capabilities: tuple[str, ...] = ()
    required_drop_capabilities: tuple[str, ...] = ()
    allowed_capabilities: tuple[str, ...] = ()
    allow_host_dir_volume_plugin: bool = False
    volumes: tuple[str, ...] = ()
    allowed_flex_volumes: tuple[str, ...] = ()
    allow_host_network: bool = False
    allow_host_ports: bool = False
    allow_host_pid: bool = False
    allow_host_ipc: bool = False
    default_allow_privilege_escalation: bool | None = None
    allow_privilege_escalation: bool | None = None
    selinux_type: str = ""
    selinux_options: SELinuxOptions | None = None
    run_as_user_type: str = ""
    uid: int | None = None
    uid_range_min: int | None = None
    uid_range_max: int | None = None
    supplemental_groups_type: str = ""
    supplemental_groups_ranges: tuple[IDRange, ...] = ()
    fs_group_type: str = ""
    fs_group_ranges: tuple[IDRange, ...] = ()
    read_only_root_filesystem: bool = False
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    seccomp_profiles: tuple[str, ...] | None = None
    allowed_unsafe_sysctls: tuple[str, ...] = ()
    forbidden_sysctls: tuple[str, ...] = ()
    user_namespace_level: str = ""
    origin: str = "<built-in>"
