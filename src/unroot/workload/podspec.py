"""Find the pod inside a Kubernetes object: a Pod itself, or the pod template of a workload.

Policy code (Pod Security Standards, SCC profiles) only ever looks at pod metadata and a pod
spec. This module is the one place that knows where each kind keeps them, so policy stays
kind-agnostic and the CLI can turn a relative field path (``spec.containers[0]...``) into a
path in the original document (``spec.template.spec.containers[0]...``) and from there into a
file and line.

Field paths use dots between mapping keys and ``[i]`` for list indexes. A key that holds a dot,
a slash or a bracket (annotation keys do) is written ``["key"]`` with JSON string quoting:
``metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"]``. :func:`join_path` and
:func:`split_path` build and read that form.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from unroot.errors import InputError
from unroot.untrusted import is_decimal

# kind -> where the pod template (the object holding ``metadata`` and ``spec``) lives.
# An empty tuple means the object itself is the pod.
_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "PodTemplate": ("template",),
}

WORKLOAD_KINDS = frozenset(k for k in _TEMPLATE_PATHS if k != "Pod")
"""Kinds that hold a pod template rather than being a pod."""


@dataclass(slots=True)
class PodRef:
    """The pod part of one object.

    ``path_prefix`` is the field path of the object that holds ``metadata`` and ``spec``
    (``""`` for a Pod, ``"spec.template"`` for a Deployment); policy results carry paths
    relative to it, and :meth:`full_path` makes them absolute within the document.
    ``metadata`` and ``spec`` are the caller's own mappings, not copies. (Not a frozen
    dataclass: it is built once per evaluated object, and frozen construction is slow.)
    """

    kind: str
    name: str
    namespace: str
    metadata: dict[str, Any]
    spec: dict[str, Any]
    path_prefix: str

    def full_path(self, relative: str) -> str:
        """Absolute field path in the original document for a path relative to the pod."""
        return f"{self.path_prefix}.{relative}" if self.path_prefix else relative


def pod_spec_of(obj: Any) -> PodRef | None:
    """The pod metadata and spec of ``obj``, or ``None`` when its kind holds no pod.

    Raises :class:`InputError` when the kind is known but the object is malformed (a missing
    template, a list where a mapping belongs), so a broken Deployment is never silently skipped.
    """
    if not isinstance(obj, dict):
        return None
    kind = obj.get("kind")
    if not isinstance(kind, str):
        return None
    path = _TEMPLATE_PATHS.get(kind)
    if path is None:
        return None
    meta = obj.get("metadata")
    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        raise InputError(f"{kind}: metadata must be a mapping, not {_type_name(meta)}")
    name = _str_or_empty(meta.get("name"))
    namespace = _str_or_empty(meta.get("namespace"))
    label = f"{kind} {name!r}" if name else kind

    holder: Any = obj
    walked: list[str] = []
    for key in path:
        walked.append(key)
        holder = holder.get(key)
        if holder is None:
            raise InputError(f"{label}: {'.'.join(walked)} is missing (no pod template)")
        if not isinstance(holder, dict):
            raise InputError(
                f"{label}: {'.'.join(walked)} must be a mapping, not {_type_name(holder)}"
            )
    prefix = ".".join(path)

    pod_meta = holder.get("metadata") if path else meta
    if pod_meta is None:
        pod_meta = {}
    elif not isinstance(pod_meta, dict):
        where = join_path(prefix, "metadata")
        raise InputError(f"{label}: {where} must be a mapping, not {_type_name(pod_meta)}")
    spec = holder.get("spec")
    where = join_path(prefix, "spec")
    if spec is None:
        raise InputError(f"{label}: {where} is missing")
    if not isinstance(spec, dict):
        raise InputError(f"{label}: {where} must be a mapping, not {_type_name(spec)}")
    return PodRef(kind, name, namespace, pod_meta, spec, prefix)


def join_path(prefix: str, *parts: str | int) -> str:
    """Append keys and list indexes to a field path, quoting keys that need it."""
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _plain_key(part):
            out = f"{out}.{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


_PLAIN_PATH = re.compile(r'(?:[^.\[\]"]+|\[[0-9]+\])(?:\.[^.\[\]"]+|\[[0-9]+\])*')
_PLAIN_TOKEN = re.compile(r'([^.\[\]"]+)|\[([0-9]+)\]')


def split_path(path: str) -> list[str | int]:
    """Inverse of :func:`join_path`: the keys and indexes of a field path."""
    return list(_split(path))


@functools.lru_cache(maxsize=4096)
def _split(path: str) -> tuple[str | int, ...]:
    """Memoised: the same few hundred paths recur in every pod of a manifest stream."""
    if _PLAIN_PATH.fullmatch(path):  # no quoted keys: one regex pass
        return tuple(int(index) if index else key for key, index in _PLAIN_TOKEN.findall(path))
    parts: list[str | int] = []
    i, n = 0, len(path)
    while i < n:
        ch = path[i]
        if ch == ".":
            i += 1
        elif ch == "[":
            if i + 1 < n and path[i + 1] == '"':
                decoder = json.JSONDecoder()
                try:
                    key, end = decoder.raw_decode(path, i + 1)
                except ValueError as exc:
                    raise ValueError(f"bad field path {path!r}") from exc
                if end >= n or path[end] != "]":
                    raise ValueError(f"bad field path {path!r}")
                parts.append(str(key))
                i = end + 1
            else:
                end = path.find("]", i)
                if end < 0 or not is_decimal(path[i + 1 : end]):
                    raise ValueError(f"bad field path {path!r}")
                parts.append(int(path[i + 1 : end]))
                i = end + 1
        else:
            j = i
            while j < n and path[j] not in ".[":
                j += 1
            parts.append(path[i:j])
            i = j
    return tuple(parts)


def _plain_key(key: str) -> bool:
    return bool(key) and not any(c in key for c in '.[]/"\\ ') and key.isprintable()


def _str_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__
