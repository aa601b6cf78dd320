"""SCC-style profiles as data: the model, parsing from YAML, built-ins, and ordering.

Field names follow OpenShift's SecurityContextConstraints, so an exported SCC
(``kind: SecurityContextConstraints``) can be used as a profile file as-is; fields that are about
*who* may use a profile (``users``, ``groups``) are ignored: that mapping is ``--allow-profile``.

Ordering (SCC semantics): priority first (higher wins, unset = 0), then the most restrictive
(lowest :func:`restrictiveness` score), then name. The score is ours (OpenShift's point values
are an internal detail); it adds points for each permission a profile grants, weighted by how
much it weakens isolation: privileged 200, any capability 100 (10 per named one), host path 50,
any UID 40, each host namespace or host ports 20, privilege escalation 20, SELinux RunAsAny 20,
any volume 30, non-root-only UIDs 10, unconfined seccomp 10, fsGroup/supplementalGroups RunAsAny
5 each, no user-namespace requirement 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from unroot.errors import InputError, UsageError

RUN_AS_USER_TYPES = ("MustRunAs", "MustRunAsRange", "MustRunAsNonRoot", "RunAsAny")
GROUP_TYPES = ("MustRunAs", "RunAsAny")
SELINUX_TYPES = ("MustRunAs", "RunAsAny")
USERNS_LEVELS = ("AllowHostLevel", "RequirePodLevel")

_BOOLS = (
    "allowPrivilegedContainer",
    "allowPrivilegeEscalation",
    "allowHostNetwork",
    "allowHostPID",
    "allowHostIPC",
    "allowHostPorts",
    "allowHostDirVolumePlugin",
    "readOnlyRootFilesystem",
)
_LISTS = (
    "allowedCapabilities",
    "defaultAddCapabilities",
    "requiredDropCapabilities",
    "volumes",
    "allowedUnsafeSysctls",
    "forbiddenSysctls",
)
_IGNORED = frozenset(
    {"kind", "apiVersion", "metadata", "users", "groups", "allowedFlexVolumes", "description"}
)
_OTHER = frozenset(
    {
        "name",
        "priority",
        "defaultAllowPrivilegeEscalation",
        "runAsUser",
        "seLinuxContext",
        "fsGroup",
        "supplementalGroups",
        "seccompProfiles",
        "userNamespaceLevel",
    }
)


@dataclass(frozen=True, slots=True)
class IDRange:
    min: int
    max: int

    def __contains__(self, value: object) -> bool:
        return (
            isinstance(value, int) and not isinstance(value, bool) and self.min <= value <= self.max
        )

    def __str__(self) -> str:
        return f"[{self.min}, {self.max}]"


@dataclass(frozen=True, slots=True)
class Profile:
    """One profile. Defaults are the most restrictive choice for every field."""

    name: str
    priority: int | None = None
    allowPrivilegedContainer: bool = False
    allowPrivilegeEscalation: bool = False
    defaultAllowPrivilegeEscalation: bool | None = None
    allowHostNetwork: bool = False
    allowHostPID: bool = False
    allowHostIPC: bool = False
    allowHostPorts: bool = False
    allowHostDirVolumePlugin: bool = False
    allowedCapabilities: tuple[str, ...] = ()
    defaultAddCapabilities: tuple[str, ...] = ()
    requiredDropCapabilities: tuple[str, ...] = ("ALL",)
    readOnlyRootFilesystem: bool = False
    run_as_user: str = "MustRunAsRange"
    uid: int | None = None
    uid_range: IDRange | None = None
    selinux: str = "MustRunAs"
    selinux_options: Mapping[str, str] = field(default_factory=dict)
    fs_group: str = "MustRunAs"
    fs_group_ranges: tuple[IDRange, ...] = ()
    supplemental_groups: str = "RunAsAny"
    supplemental_groups_ranges: tuple[IDRange, ...] = ()
    seccompProfiles: tuple[str, ...] | None = ("runtime/default",)
    volumes: tuple[str, ...] = ()
    allowedUnsafeSysctls: tuple[str, ...] = ()
    forbiddenSysctls: tuple[str, ...] = ()
    userNamespaceLevel: str = "AllowHostLevel"
    origin: str = "<built-in>"

    @property
    def sort_key(self) -> tuple[int, int, str]:
        return (-(self.priority or 0), restrictiveness(self), self.name)


def restrictiveness(p: Profile) -> int:
    """Lower is more restrictive; see the module docstring for the weights."""
    score = 0
    score += 200 if p.allowPrivilegedContainer else 0
    caps = set(p.allowedCapabilities) | set(p.defaultAddCapabilities)
    score += 100 if "*" in caps else 10 * len(caps)
    score += 50 if p.allowHostDirVolumePlugin else 0
    score += {"RunAsAny": 40, "MustRunAsNonRoot": 10}.get(p.run_as_user, 0)
    for flag in (p.allowHostNetwork, p.allowHostPID, p.allowHostIPC, p.allowHostPorts):
        score += 20 if flag else 0
    score += 20 if p.allowPrivilegeEscalation else 0
    score += 20 if p.selinux == "RunAsAny" else 0
    score += 30 if "*" in p.volumes else 0
    seccomp = p.seccompProfiles
    score += 10 if seccomp is None or "*" in seccomp or "unconfined" in seccomp else 0
    score += 5 if p.fs_group == "RunAsAny" else 0
    score += 5 if p.supplemental_groups == "RunAsAny" else 0
    score += 5 if p.userNamespaceLevel == "AllowHostLevel" else 0
    return score


def order(profiles: Iterable[Profile]) -> list[Profile]:
    """SCC order: priority (higher first), then most restrictive, then name."""
    return sorted(profiles, key=lambda p: p.sort_key)


def parse_profile(data: Any, origin: str) -> Profile:
    """A profile from a YAML mapping; every problem is an InputError naming ``origin``."""

    def bad(msg: str) -> InputError:
        return InputError(f"{origin}: {msg}")

    if not isinstance(data, Mapping):
        raise bad("profile must be a mapping")
    unknown = sorted(set(data) - _IGNORED - _OTHER - set(_BOOLS) - set(_LISTS))
    if unknown:
        raise bad(f"unknown profile field(s): {', '.join(map(str, unknown))}")
    name = data.get("name")
    meta = data.get("metadata")
    if name is None and isinstance(meta, Mapping):
        name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise bad("profile needs a name (name: or metadata.name:)")
    kw: dict[str, Any] = {"name": name, "origin": origin}
    prio = data.get("priority")
    if prio is not None and (not isinstance(prio, int) or isinstance(prio, bool)):
        raise bad("priority must be an integer or null")
    kw["priority"] = prio
    for key in _BOOLS:
        if key in data:
            if not isinstance(data[key], bool):
                raise bad(f"{key} must be true or false")
            kw[key] = data[key]
    dape = data.get("defaultAllowPrivilegeEscalation")
    if dape is not None and not isinstance(dape, bool):
        raise bad("defaultAllowPrivilegeEscalation must be true, false or null")
    kw["defaultAllowPrivilegeEscalation"] = dape
    for key in _LISTS:
        if key in data:
            value = data[key] or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise bad(f"{key} must be a list of strings")
            if key.endswith("Capabilities"):
                value = [_cap(v) for v in value]
            kw[key] = tuple(value)
    seccomp = data.get("seccompProfiles")
    if seccomp is not None and (
        not isinstance(seccomp, list) or not all(isinstance(v, str) for v in seccomp)
    ):
        raise bad("seccompProfiles must be a list of strings or null")
    kw["seccompProfiles"] = tuple(seccomp) if seccomp else None

    rau = _strategy(data.get("runAsUser"), RUN_AS_USER_TYPES, "runAsUser", bad)
    kw["run_as_user"] = rau["type"]
    lo, hi = rau.get("uidRangeMin"), rau.get("uidRangeMax")
    if (lo is None) != (hi is None):
        raise bad("runAsUser needs both uidRangeMin and uidRangeMax, or neither")
    if lo is not None:
        kw["uid_range"] = _range({"min": lo, "max": hi}, "runAsUser", bad)
    uid = rau.get("uid")
    if uid is not None and (not isinstance(uid, int) or isinstance(uid, bool) or uid < 0):
        raise bad("runAsUser.uid must be a non-negative integer")
    kw["uid"] = uid
    if rau["type"] == "MustRunAs" and uid is None:
        raise bad("runAsUser MustRunAs needs uid")

    sel = _strategy(data.get("seLinuxContext"), SELINUX_TYPES, "seLinuxContext", bad)
    kw["selinux"] = sel["type"]
    opts = sel.get("seLinuxOptions") or {}
    if not isinstance(opts, Mapping) or not all(
        k in ("user", "role", "type", "level") and isinstance(v, str) for k, v in opts.items()
    ):
        raise bad("seLinuxContext.seLinuxOptions must map user/role/type/level to strings")
    kw["selinux_options"] = dict(opts)

    for key, attr in (("fsGroup", "fs_group"), ("supplementalGroups", "supplemental_groups")):
        strat = _strategy(data.get(key), GROUP_TYPES, key, bad)
        kw[attr] = strat["type"]
        ranges = strat.get("ranges") or []
        if not isinstance(ranges, list):
            raise bad(f"{key}.ranges must be a list of {{min, max}}")
        kw[attr + "_ranges"] = tuple(_range(r, key, bad) for r in ranges)

    level = data.get("userNamespaceLevel", "AllowHostLevel")
    if level not in USERNS_LEVELS:
        raise bad(f"userNamespaceLevel must be one of {', '.join(USERNS_LEVELS)}")
    kw["userNamespaceLevel"] = level
    return Profile(**kw)


def _cap(name: str) -> str:
    upper = name.strip().upper()
    return upper[4:] if upper.startswith("CAP_") else upper


def _strategy(value: Any, types: tuple[str, ...], key: str, bad: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "RunAsAny"}
    if not isinstance(value, Mapping) or value.get("type") not in types:
        raise bad(f"{key}.type must be one of {', '.join(types)}")
    return dict(value)


def _range(value: Any, key: str, bad: Any) -> IDRange:
    if not isinstance(value, Mapping):
        raise bad(f"{key} range must be a mapping with min and max")
    lo, hi = value.get("min"), value.get("max")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (lo, hi)):
        raise bad(f"{key} range needs non-negative integer min and max")
    assert isinstance(lo, int) and isinstance(hi, int)
    if lo > hi:
        raise bad(f"{key} range min {lo} is greater than max {hi}")
    return IDRange(lo, hi)


def _yaml_documents(text: str, origin: str) -> list[Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=True)
    try:
        return [d for d in yaml.load_all(text) if d is not None]
    except YAMLError as exc:
        raise InputError(f"{origin}: invalid YAML: {' '.join(str(exc).split())}") from None


def builtin_documents(text: str) -> list[Any]:
    """The documents of a shipped profile file, read by libyaml.

    Every ``unroot check`` reads the shipped profiles; pure-Python ruamel took most of the
    start-up time for it. The shipped files use only scalars that YAML 1.1 and 1.2 read
    alike (a test compares both readings), so the C reader gives the same data. User files
    keep the YAML 1.2 reader of :func:`_yaml_documents`.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [d for d in yaml.load_all(text, Loader=loader) if d is not None]


_BUILTIN_CACHE: dict[str, Profile] = {}


def builtin_profiles() -> dict[str, Profile]:
    """The profiles shipped in ``policy/scc/profiles/*.yaml`` (parsed once per process)."""
    if not _BUILTIN_CACHE:
        folder = resources.files("unroot.policy.scc") / "profiles"
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                origin = f"<built-in {entry.name}>"
                for doc in builtin_documents(entry.read_text("utf-8")):
                    prof = parse_profile(doc, origin)
                    _BUILTIN_CACHE[prof.name] = prof
    return dict(_BUILTIN_CACHE)


def load_profiles(paths: Iterable[str | Path] = ()) -> dict[str, Profile]:
    """Built-ins plus user profiles from files or folders (``*.yaml``/``*.yml``).

    A user profile with a built-in's name replaces it; two user files defining the same name is
    a UsageError (which one wins would otherwise depend on file order).
    """
    out = builtin_profiles()
    seen: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        elif path.is_file():
            files = [path]
        else:
            raise UsageError(f"--profiles {raw}: no such file or directory")
        for file in files:
            try:
                text = file.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{file}: cannot read profile: {exc}") from None
            for doc in _yaml_documents(text, str(file)):
                prof = parse_profile(doc, str(file))
                if prof.name in seen:
                    raise UsageError(
                        f"profile {prof.name!r} defined twice: {seen[prof.name]} and {file}"
                    )
                seen[prof.name] = str(file)
                out[prof.name] = prof
    return out
