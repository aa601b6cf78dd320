"""Reading SCCs: OpenShift SecurityContextConstraints objects, unroot's short profile form,
the built-ins, and files.

Two forms are read:

* **SCC objects** (``kind: SecurityContextConstraints`` or ``apiVersion:
  security.openshift.io/v1``, alone or in a ``List``, as ``oc get scc -o yaml`` prints them).
  :func:`scc_from_object` takes one exactly as given (``defaulted=False``, for admission
  requests) or first applies the API server's defaulting (:mod:`unroot.policy.scc.defaults`)
  and refuses what the API server would refuse to store (``defaulted=True``, for files).
* **unroot's short form**, a mapping with ``name:`` and the SCC fields, where anything left out
  is the restrictive choice: no privilege escalation, ``requiredDropCapabilities: [ALL]``, no
  volumes, and RunAsAny for strategies not given; capability names are upper-cased and lose
  ``CAP_``; a missing ``seccompProfiles`` means any profile (``*``). It is turned into an SCC
  object and read like one.

Who may use an SCC (``users``, ``groups``) is kept but not consulted by ``unroot check``, where
``--allow-profile`` names the usable ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from unroot.errors import InputError, UsageError
from unroot.policy.scc.defaults import apply_defaults
from unroot.policy.scc.model import (
    GROUP_TYPES,
    RUN_AS_USER_TYPES,
    SCC,
    SELINUX_TYPES,
    USERNS_LEVELS,
    IDRange,
    SELinuxOptions,
)
from unroot.policy.scc.order import order, point_value
from unroot.policy.scc.volumes import FS_TYPES

Profile = SCC
"""The name ``unroot check`` uses for an SCC."""

SCC_KIND = "SecurityContextConstraints"
SCC_API_VERSION = "security.openshift.io/v1"

_BOOLS = {
    "allowPrivilegedContainer": "allow_privileged_container",
    "allowHostDirVolumePlugin": "allow_host_dir_volume_plugin",
    "allowHostNetwork": "allow_host_network",
    "allowHostPorts": "allow_host_ports",
    "allowHostPID": "allow_host_pid",
    "allowHostIPC": "allow_host_ipc",
    "readOnlyRootFilesystem": "read_only_root_filesystem",
}
_STRING_LISTS = {
    "defaultAddCapabilities": "default_add_capabilities",
    "requiredDropCapabilities": "required_drop_capabilities",
    "allowedCapabilities": "allowed_capabilities",
    "volumes": "volumes",
    "users": "users",
    "groups": "groups",
    "allowedUnsafeSysctls": "allowed_unsafe_sysctls",
    "forbiddenSysctls": "forbidden_sysctls",
}
_OTHER_FIELDS = frozenset(
    {
        "kind",
        "apiVersion",
        "metadata",
        "priority",
        "allowedFlexVolumes",
        "defaultAllowPrivilegeEscalation",
        "allowPrivilegeEscalation",
        "seLinuxContext",
        "runAsUser",
        "runAsGroup",
        "supplementalGroups",
        "fsGroup",
        "seccompProfiles",
        "userNamespaceLevel",
    }
)
_KNOWN_FIELDS = _OTHER_FIELDS | set(_BOOLS) | set(_STRING_LISTS)
_SHORT_FORM_EXTRA = frozenset({"name", "description"})


def is_scc_object(data: Mapping[str, Any]) -> bool:
    return data.get("kind") == SCC_KIND or data.get("apiVersion") == SCC_API_VERSION


def scc_from_object(data: Any, origin: str, *, defaulted: bool) -> SCC:
    """An SCC from its API object; every problem is an :class:`InputError` naming ``origin``.

    ``defaulted=False`` reads the object as given (admission requests: nothing filled in, no
    semantic checks, strategy options that cannot work fail at admission as upstream's do).
    ``defaulted=True`` applies the API server's defaulting and rejects what its validation
    would.
    """

    def bad(message: str) -> InputError:
        return InputError(f"{origin}: {message}")

    if not isinstance(data, Mapping):
        raise bad("an SCC must be a mapping")
    unknown = sorted(str(k) for k in data if k not in _KNOWN_FIELDS)
    if unknown:
        raise bad(f"unknown SCC field(s): {', '.join(unknown)}")
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(name, str) or not name:
        raise bad("an SCC needs metadata.name")
    origin = f"{origin}: SCC {name!r}"
    if defaulted:
        data = apply_defaults(data)
    kw: dict[str, Any] = {"name": name, "origin": origin}

    priority = data.get("priority")
    if priority is not None and not _is_int(priority):
        raise bad(f"SCC {name!r}: priority must be an integer or null")
    kw["priority"] = priority
    for key, attr in _BOOLS.items():
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise bad(f"SCC {name!r}: {key} must be true or false")
        kw[attr] = bool(value)
    for key, attr in _STRING_LISTS.items():
        kw[attr] = _strings(data.get(key), key, name, bad)
    for key, attr in (
        ("defaultAllowPrivilegeEscalation", "default_allow_privilege_escalation"),
        ("allowPrivilegeEscalation", "allow_privilege_escalation"),
    ):
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise bad(f"SCC {name!r}: {key} must be true, false or null")
        kw[attr] = value
    flex = data.get("allowedFlexVolumes")
    if flex is not None:
        if not isinstance(flex, list) or not all(
            isinstance(f, Mapping) and isinstance(f.get("driver"), str) for f in flex
        ):
            raise bad(f"SCC {name!r}: allowedFlexVolumes must be a list of {{driver: NAME}}")
        kw["allowed_flex_volumes"] = tuple(f["driver"] for f in flex)
    seccomp = data.get("seccompProfiles")
    kw["seccomp_profiles"] = (
        None if seccomp is None else _strings(seccomp, "seccompProfiles", name, bad)
    )

    selinux = _mapping(data.get("seLinuxContext"), "seLinuxContext", name, bad)
    kw["selinux_type"] = _type(selinux, "seLinuxContext", name, bad)
    options = selinux.get("seLinuxOptions")
    if options is not None:
        if not isinstance(options, Mapping) or not all(
            k in ("user", "role", "type", "level") and isinstance(v, str)
            for k, v in options.items()
        ):
            raise bad(
                f"SCC {name!r}: seLinuxContext.seLinuxOptions must map user, role, type and "
                "level to strings"
            )
        kw["selinux_options"] = SELinuxOptions(**dict(options))

    user = _mapping(data.get("runAsUser"), "runAsUser", name, bad)
    kw["run_as_user_type"] = _type(user, "runAsUser", name, bad)
    for key, attr in (
        ("uid", "uid"),
        ("uidRangeMin", "uid_range_min"),
        ("uidRangeMax", "uid_range_max"),
    ):
        value = user.get(key)
        if value is not None and not _is_int(value):
            raise bad(f"SCC {name!r}: runAsUser.{key} must be an integer")
        kw[attr] = value

    for key, attr in (("fsGroup", "fs_group"), ("supplementalGroups", "supplemental_groups")):
        strategy = _mapping(data.get(key), key, name, bad)
        kw[attr + "_type"] = _type(strategy, key, name, bad)
        kw[attr + "_ranges"] = _ranges(strategy.get("ranges"), key, name, bad)

    level = data.get("userNamespaceLevel")
    if level is not None and not isinstance(level, str):
        raise bad(f"SCC {name!r}: userNamespaceLevel must be a string")
    kw["user_namespace_level"] = level or ""

    run_as_group = data.get("runAsGroup")
    if run_as_group is not None:
        group = _mapping(run_as_group, "runAsGroup", name, bad)
        if group.get("type") not in (None, "", "RunAsAny"):
            raise bad(
                f"SCC {name!r}: runAsGroup strategies are not supported (only RunAsAny); "
                "remove runAsGroup or set its type to RunAsAny"
            )

    scc = SCC(**kw)
    if defaulted:
        _validate(scc, bad)
    return scc


def _validate(scc: SCC, bad: Callable[[str], InputError]) -> None:
    """What the API server's SCC validation refuses to store."""
    who = f"SCC {scc.name!r}"
    if scc.run_as_user_type not in RUN_AS_USER_TYPES:
        raise bad(f"{who}: runAsUser.type must be one of {', '.join(RUN_AS_USER_TYPES)}")
    if scc.selinux_type not in SELINUX_TYPES:
        raise bad(f"{who}: seLinuxContext.type must be one of {', '.join(SELINUX_TYPES)}")
    for label, kind in (
        ("fsGroup", scc.fs_group_type),
        ("supplementalGroups", scc.supplemental_groups_type),
    ):
        if kind not in GROUP_TYPES:
            raise bad(f"{who}: {label}.type must be one of {', '.join(GROUP_TYPES)}")
    if scc.user_namespace_level not in USERNS_LEVELS:
        raise bad(f"{who}: userNamespaceLevel must be one of {', '.join(USERNS_LEVELS)}")
    if scc.run_as_user_type == "MustRunAs" and scc.uid is None:
        raise bad(f"{who}: runAsUser MustRunAs needs uid")
    low, high = scc.uid_range_min, scc.uid_range_max
    if (low is None) != (high is None):
        raise bad(f"{who}: runAsUser needs both uidRangeMin and uidRangeMax, or neither")
    if low is not None and high is not None and low > high:
        raise bad(f"{who}: runAsUser.uidRangeMin {low} is greater than uidRangeMax {high}")
    for label, ranges in (
        ("fsGroup", scc.fs_group_ranges),
        ("supplementalGroups", scc.supplemental_groups_ranges),
    ):
        for rng in ranges:
            if rng.min > rng.max:
                raise bad(f"{who}: {label} range min {rng.min} is greater than max {rng.max}")
    unknown = sorted(set(scc.volumes) - FS_TYPES - {"*", "none"})
    if unknown:
        raise bad(f"{who}: unknown volume type(s): {', '.join(unknown)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value: Any, key: str, name: str, bad: Callable[[str], InputError]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(f"SCC {name!r}: {key} must be a list of strings or null")
    return tuple(value)


def _mapping(
    value: Any, key: str, name: str, bad: Callable[[str], InputError]
) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise bad(f"SCC {name!r}: {key} must be a mapping")
    return value


def _type(
    strategy: Mapping[str, Any], key: str, name: str, bad: Callable[[str], InputError]
) -> str:
    kind = strategy.get("type")
    if kind is None:
        return ""
    if not isinstance(kind, str):
        raise bad(f"SCC {name!r}: {key}.type must be a string")
    return kind


def _ranges(
    value: Any, key: str, name: str, bad: Callable[[str], InputError]
) -> tuple[IDRange, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise bad(f"SCC {name!r}: {key}.ranges must be a list of {{min, max}}")
    out = []
    for item in value:
        if not isinstance(item, Mapping):
            raise bad(f"SCC {name!r}: {key}.ranges must be a list of {{min, max}}")
        low, high = item.get("min", 0), item.get("max", 0)
        low = 0 if low is None else low
        high = 0 if high is None else high
        if not _is_int(low) or not _is_int(high):
            raise bad(f"SCC {name!r}: {key}.ranges need integer min and max")
        out.append(IDRange(low, high))
    return tuple(out)


# --- unroot's short form -------------------------------------------------------------------


def parse_profile(data: Any, origin: str) -> SCC:
    """An SCC from either form (see the module docstring)."""
    if not isinstance(data, Mapping):
        raise InputError(f"{origin}: profile must be a mapping")
    if is_scc_object(data):
        return scc_from_object(data, origin, defaulted=True)
    unknown = sorted(str(k) for k in data if k not in _KNOWN_FIELDS and k not in _SHORT_FORM_EXTRA)
    if unknown:
        raise InputError(f"{origin}: unknown profile field(s): {', '.join(unknown)}")
    name = data.get("name")
    meta = data.get("metadata")
    if name is None and isinstance(meta, Mapping):
        name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise InputError(f"{origin}: profile needs a name (name: or metadata.name:)")
    obj: dict[str, Any] = {
        "kind": SCC_KIND,
        "apiVersion": SCC_API_VERSION,
        "allowPrivilegeEscalation": False,
        "requiredDropCapabilities": ["ALL"],
        "volumes": [],
        "seccompProfiles": ["*"],
    }
    for key in ("runAsUser", "seLinuxContext", "fsGroup", "supplementalGroups"):
        obj[key] = {"type": "RunAsAny"}
    for key, value in data.items():
        if key in ("name", "description", "metadata"):
            continue
        if value is None and key in (
            "runAsUser",
            "seLinuxContext",
            "fsGroup",
            "supplementalGroups",
        ):
            continue
        if value is None and key == "seccompProfiles":
            continue
        obj[key] = value
    obj["metadata"] = {"name": name}
    for key in ("allowedCapabilities", "defaultAddCapabilities", "requiredDropCapabilities"):
        value = obj.get(key)
        if isinstance(value, list):
            obj[key] = [_short_cap(v) if isinstance(v, str) else v for v in value]
    return scc_from_object(obj, origin, defaulted=True)


def _short_cap(name: str) -> str:
    upper = name.strip().upper()
    return upper[4:] if upper.startswith("CAP_") else upper


def restrictiveness(scc: SCC) -> int:
    """How permissive ``scc`` is (OpenShift's point value): lower is more restrictive."""
    return point_value(scc)


# --- files and built-ins --------------------------------------------------------------------


def documents_of(doc: Any) -> list[Any]:
    """A ``List`` (``oc get scc -o yaml``) stands for its items."""
    if isinstance(doc, Mapping):
        kind = doc.get("kind")
        items = doc.get("items")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            return list(items)
    return [doc]


def _yaml_documents(text: str, origin: str) -> list[Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=True)
    try:
        return [d for d in yaml.load_all(text) if d is not None]
    except YAMLError as exc:
        raise InputError(f"{origin}: invalid YAML: {' '.join(str(exc).split())}") from None


_BUILTIN_CACHE: dict[str, SCC] = {}


def builtin_profiles() -> dict[str, SCC]:
    """OpenShift's default SCCs as shipped in ``policy/scc/profiles/*.yaml`` (parsed once per
    process, with the fast C YAML loader: they are ours and plain)."""
    if not _BUILTIN_CACHE:
        from importlib import resources

        import yaml

        loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        folder = resources.files("unroot.policy.scc") / "profiles"
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                origin = f"<built-in {entry.name}>"
                for doc in yaml.load_all(entry.read_text("utf-8"), Loader=loader):
                    if doc is not None:
                        scc = parse_profile(doc, origin)
                        _BUILTIN_CACHE[scc.name] = scc
    return dict(_BUILTIN_CACHE)


def load_profiles(paths: Iterable[str | Path] = ()) -> dict[str, SCC]:
    """Built-ins plus SCCs from files or folders (``*.yaml``/``*.yml``), in either form.

    A file's SCC with a built-in's name replaces it; two files defining the same name is a
    UsageError (which one wins would otherwise depend on file order).
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
                for item in documents_of(doc):
                    scc = parse_profile(item, str(file))
                    if scc.name in seen:
                        raise UsageError(
                            f"profile {scc.name!r} defined twice: {seen[scc.name]} and {file}"
                        )
                    seen[scc.name] = str(file)
                    out[scc.name] = scc
    return out


__all__ = [
    "SCC",
    "IDRange",
    "Profile",
    "builtin_profiles",
    "documents_of",
    "is_scc_object",
    "load_profiles",
    "order",
    "parse_profile",
    "restrictiveness",
    "scc_from_object",
]
