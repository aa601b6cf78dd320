"""Type-check the fields the Pod Security checks read, before any check reads them.

The checks run on raw YAML/JSON, not on API-decoded objects, so ``runAsUser: "0"`` or a list
where ``securityContext`` belongs would otherwise slip through a comparison (fail open) or crash
one. The API server rejects such objects in decoding; we reject them here with the field path,
once per pod, so each check can trust the types it sees. Only keys the checks read are looked
at, and only when present; ``null`` counts as unset, as it does for the API server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from unroot.errors import InputError
from unroot.workload.podspec import join_path

# A schema is a dict key -> expected type; the expected type is bool, int, str, a nested
# schema (a mapping), a one-element list [schema] (a list of that), or _MAPPING (any mapping).
Schema = dict[str, Any]
_MAPPING: Final = "mapping"

_SECCOMP: Final[Schema] = {"type": str, "localhostProfile": str}
_APPARMOR: Final[Schema] = {"type": str, "localhostProfile": str}
_SELINUX: Final[Schema] = {"type": str, "user": str, "role": str, "level": str}
_WINDOWS: Final[Schema] = {"hostProcess": bool}
_HANDLER: Final[Schema] = {"httpGet": {"host": str}, "tcpSocket": {"host": str}}

_CONTAINER_SC: Final[Schema] = {
    "privileged": bool,
    "allowPrivilegeEscalation": bool,
    "runAsNonRoot": bool,
    "runAsUser": int,
    "procMount": str,
    "capabilities": {"add": [str], "drop": [str]},
    "seccompProfile": _SECCOMP,
    "appArmorProfile": _APPARMOR,
    "seLinuxOptions": _SELINUX,
    "windowsOptions": _WINDOWS,
}

_CONTAINER: Final[Schema] = {
    "name": str,
    "ports": [{"hostPort": int}],
    "securityContext": _CONTAINER_SC,
    "livenessProbe": _HANDLER,
    "readinessProbe": _HANDLER,
    "startupProbe": _HANDLER,
    "lifecycle": {"postStart": _HANDLER, "preStop": _HANDLER},
}

POD_SPEC: Final[Schema] = {
    "hostNetwork": bool,
    "hostPID": bool,
    "hostIPC": bool,
    "hostUsers": bool,
    "os": {"name": str},
    "securityContext": {
        "runAsNonRoot": bool,
        "runAsUser": int,
        "seccompProfile": _SECCOMP,
        "appArmorProfile": _APPARMOR,
        "seLinuxOptions": _SELINUX,
        "windowsOptions": _WINDOWS,
        "sysctls": [{"name": str}],
    },
    "volumes": [{"name": str, "hostPath": _MAPPING}],
    "containers": [_CONTAINER],
    "initContainers": [_CONTAINER],
    "ephemeralContainers": [_CONTAINER],
}

# Annotation keys whose values the checks read: these must be strings.
ANNOTATION_PREFIXES: Final = (
    "container.apparmor.security.beta.kubernetes.io/",
    "seccomp.security.alpha.kubernetes.io/pod",
    "container.seccomp.security.alpha.kubernetes.io/",
)


class _Mismatch(Exception):
    """A wrong type; the path is assembled while the exception climbs out of the walk."""

    def __init__(self, problem: str, part: str | int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.parts: list[str | int] = [part]


Validator = Callable[[dict[str, Any]], None]


def _compile(schema: Schema) -> Validator:
    """A validator for one mapping schema, specialised once so a valid pod costs few lookups.

    Only the schema's keys are looked up (``dict.get``), so unrelated fields (env, resources,
    volumeMounts) cost nothing. Subclasses of dict, list, str and int are accepted (YAML
    round-trip loaders produce them); booleans must be real booleans.
    """
    bools = tuple(k for k, v in schema.items() if v is bool)
    ints = tuple(k for k, v in schema.items() if v is int)
    strs = tuple(k for k, v in schema.items() if v is str)
    any_maps = tuple(k for k, v in schema.items() if v is _MAPPING)
    maps = tuple((k, _compile(v)) for k, v in schema.items() if isinstance(v, dict))
    lists = tuple((k, v[0]) for k, v in schema.items() if isinstance(v, list))

    def validate(value: dict[str, Any]) -> None:
        get = value.get
        for key in bools:
            item = get(key)
            if item is not None and item is not True and item is not False:
                raise _Mismatch(f"expected a boolean, got {_kind(item)}", key)
        for key in ints:
            item = get(key)
            if item is not None and (item.__class__ is bool or not isinstance(item, int)):
                raise _Mismatch(f"expected an integer, got {_kind(item)}", key)
        for key in strs:
            item = get(key)
            if item is not None and not isinstance(item, str):
                raise _Mismatch(f"expected a string, got {_kind(item)}", key)
        for key in any_maps:
            item = get(key)
            if item is not None and not isinstance(item, dict):
                raise _Mismatch(f"expected a mapping, got {_kind(item)}", key)
        for key, sub in maps:
            item = get(key)
            if item is not None:
                if not isinstance(item, dict):
                    raise _Mismatch(f"expected a mapping, got {_kind(item)}", key)
                try:
                    sub(item)
                except _Mismatch as exc:
                    exc.parts.append(key)
                    raise
        for key, element in lists:
            item = get(key)
            if item is not None:
                if not isinstance(item, list):
                    raise _Mismatch(f"expected a list, got {_kind(item)}", key)
                try:
                    _elements(item, element)
                except _Mismatch as exc:
                    exc.parts.append(key)
                    raise

    return validate


def _elements(items: list[Any], element: Any) -> None:
    if element is str:
        for index, entry in enumerate(items):
            if not isinstance(entry, str):
                raise _Mismatch(f"expected a string, got {_kind(entry)}", index)
        return
    sub = _compiled(element)
    for index, entry in enumerate(items):
        if not isinstance(entry, dict):
            raise _Mismatch(f"expected a mapping, got {_kind(entry)}", index)
        try:
            sub(entry)
        except _Mismatch as exc:
            exc.parts.append(index)
            raise


_CACHE: dict[int, Validator] = {}


def _compiled(schema: Schema) -> Validator:
    found = _CACHE.get(id(schema))
    if found is None:
        found = _CACHE[id(schema)] = _compile(schema)
    return found


def validate_pod(metadata: dict[str, Any], spec: dict[str, Any], prefix: str = "") -> None:
    """Raise :class:`InputError` naming the first field whose type the checks cannot use.

    ``prefix`` is the path of the pod template in its document (see ``PodRef.path_prefix``).
    Paths are only built on failure.
    """
    annotations = metadata.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, dict):
            where = join_path(prefix, "metadata", "annotations")
            raise InputError(f"{where}: expected a mapping, got {_kind(annotations)}")
        for key, value in annotations.items():
            if (
                value is not None
                and not isinstance(value, str)
                and isinstance(key, str)
                and key.startswith(ANNOTATION_PREFIXES)
            ):
                where = join_path(prefix, "metadata", "annotations", key)
                raise InputError(f"{where}: expected a string, got {_kind(value)}")
    try:
        _compiled(POD_SPEC)(spec)
    except _Mismatch as exc:
        where = join_path(prefix, "spec", *reversed(exc.parts))
        raise InputError(f"{where}: {exc.problem}") from None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
