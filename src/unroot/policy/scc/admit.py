"""Admission with SCC-style profiles: choose a profile, mutate, validate, emit a JSON Patch.

SCC semantics: among the profiles the subject may use, try them in :func:`profile.order` order
(priority, then most restrictive, then name); for each, fill in what is unset on a copy of the
pod spec, then validate the copy; the first profile that validates wins. Its name is recorded in
the pod's ``unroot.dev/profile`` annotation and everything that changed becomes an RFC 6902 patch
against the original object (pod template paths for workloads). When no profile validates, the
reasons of every profile tried are returned, each naming its profile and field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from unroot.errors import InputError, UsageError
from unroot.policy import jsonpatch
from unroot.policy.psa.shape import validate_pod
from unroot.policy.scc import (
    capabilities,
    groups,
    host,
    privilege,
    run_as_user,
    seccomp,
    selinux,
    volumes,
)
from unroot.policy.scc.context import Context, SCCReason, containers, make_context
from unroot.policy.scc.profile import Profile, order
from unroot.policy.uidrange import (
    OPENSHIFT_GROUPS_ANNOTATION,
    UIDRange,
    mcs_from_annotations,
    parse_range,
    range_from_annotations,
)
from unroot.workload.podspec import join_path, pod_spec_of, split_path

PROFILE_ANNOTATION = "unroot.dev/profile"
DEFAULT_ALLOWED = ("restricted-v2",)

# Explicit, ordered list of strategies (no registration side effects): each has mutate/validate.
STRATEGIES = (run_as_user, groups, selinux, capabilities, privilege, host, volumes, seccomp)


@dataclass(frozen=True, slots=True)
class SCCDecision:
    allowed: bool
    profile: str | None
    patch: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[SCCReason] = field(default_factory=list)


def copy_json(value: Any) -> Any:
    """Deep copy of a JSON-like value (orjson round trip when it can, else recursive)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError):  # non-str keys, huge ints, NaN...
        return _copy_slow(value)


def _copy_slow(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_slow(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_slow(v) for v in value]
    return value


def _check_types(spec: dict[str, Any], prefix: str) -> None:
    """Types of the fields only SCC strategies read (PSA's shape check covers the rest)."""
    sc = spec.get("securityContext")
    if isinstance(sc, dict):
        fs = sc.get("fsGroup")
        if fs is not None and type(fs) is not int:
            raise InputError(f"{prefix}.securityContext.fsGroup: expected an integer")
        sg = sc.get("supplementalGroups")
        if sg is not None and (not isinstance(sg, list) or not all(type(g) is int for g in sg)):
            raise InputError(
                f"{prefix}.securityContext.supplementalGroups: expected a list of integers"
            )
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for i, c in enumerate(spec.get(key) or []):
            csc = c.get("securityContext") if isinstance(c, dict) else None
            if isinstance(csc, dict):
                ro = csc.get("readOnlyRootFilesystem")
                if ro is not None and not isinstance(ro, bool):
                    raise InputError(
                        f"{prefix}.{key}[{i}].securityContext.readOnlyRootFilesystem: "
                        "expected a boolean"
                    )
    vols = spec.get("volumes")
    if vols is not None and (
        not isinstance(vols, list) or not all(isinstance(v, dict) for v in vols)
    ):
        raise InputError(f"{prefix}.volumes: expected a list of mappings")


_CONTEXTS: dict[tuple[Any, ...], Context] = {}


def context_for(
    prefix: str,
    uid_range: UIDRange | None,
    namespace_annotations: Mapping[str, Any] | None,
) -> Context:
    """Namespace annotations win over ``uid_range`` (they describe the real namespace).

    Memoised: a batch of pods from one namespace parses its annotations once.
    """
    ann_key = (
        tuple(sorted((str(k), str(v)) for k, v in namespace_annotations.items()))
        if (namespace_annotations)
        else ()
    )
    key = (prefix, uid_range, ann_key)
    found = _CONTEXTS.get(key)
    if found is None:
        if len(_CONTEXTS) > 1024:
            _CONTEXTS.clear()
        found = _CONTEXTS[key] = _context(prefix, uid_range, namespace_annotations)
    return found


def _context(
    prefix: str,
    uid_range: UIDRange | None,
    namespace_annotations: Mapping[str, Any] | None,
) -> Context:
    ns_range = range_from_annotations(namespace_annotations)
    groups_range = None
    if namespace_annotations:
        raw = namespace_annotations.get(OPENSHIFT_GROUPS_ANNOTATION)
        if isinstance(raw, str) and raw.strip():
            groups_range = parse_range(raw.split(",")[0])
    return make_context(
        prefix, ns_range or uid_range, mcs_from_annotations(namespace_annotations), groups_range
    )


def admit(
    obj: Any,
    *,
    profiles: Mapping[str, Profile],
    allowed_profiles: Iterable[str] = DEFAULT_ALLOWED,
    uid_range: UIDRange | None = None,
    namespace_annotations: Mapping[str, Any] | None = None,
    types_checked: bool = False,
) -> SCCDecision:
    """Admit ``obj`` (a Pod or a workload with a pod template) under the allowed profiles.

    Objects that hold no pod are allowed unchanged. Unknown profile names are a UsageError;
    wrongly typed fields an InputError. ``types_checked=True`` skips the Pod Security type check
    when the caller has just evaluated the same object with :func:`unroot.policy.psa.evaluate`
    (which runs it), as the webhook does.
    """
    ref = pod_spec_of(obj)
    if ref is None:
        return SCCDecision(True, None)
    names = list(dict.fromkeys(allowed_profiles))
    missing = [n for n in names if n not in profiles]
    if missing:
        known = ", ".join(sorted(profiles))
        raise UsageError(f"unknown profile(s) {', '.join(missing)} (known: {known})")
    spec_path = _spec_path(ref.path_prefix)
    if not types_checked:
        validate_pod(ref.metadata, ref.spec, ref.path_prefix)
    _check_types(ref.spec, spec_path)
    ctx = context_for(spec_path, uid_range, namespace_annotations)
    tried: list[SCCReason] = []
    for prof in _ordered(profiles, names):
        new = copy_json(ref.spec)
        conts = containers(new)
        for strategy in STRATEGIES:
            strategy.mutate(new, prof, ctx, conts)
        reasons: list[SCCReason] = []
        for strategy in STRATEGIES:
            strategy.validate(new, prof, ctx, conts, reasons)
        if reasons:
            tried.extend(SCCReason(r.field_path, r.message, prof.name) for r in reasons)
            continue
        base = _pointer(ref.path_prefix)
        patch = jsonpatch.diff(ref.spec, new, base + "/spec")
        patch.extend(_annotation_ops(obj, ref.path_prefix, ref.metadata, prof.name))
        return SCCDecision(True, prof.name, patch, [])
    return SCCDecision(False, None, [], tried)


_ORDER_CACHE: dict[tuple[tuple[str, int], ...], list[Profile]] = {}


def _ordered(profiles: Mapping[str, Profile], names: list[str]) -> list[Profile]:
    """SCC order of the allowed profiles, memoised per (name, profile identity) set."""
    key = tuple((n, id(profiles[n])) for n in names)
    found = _ORDER_CACHE.get(key)
    if found is None:
        if len(_ORDER_CACHE) > 256:
            _ORDER_CACHE.clear()
        found = _ORDER_CACHE[key] = order(profiles[n] for n in names)
    return found


_SPEC_PATHS: dict[str, str] = {}
_POINTERS: dict[str, str] = {}


def _spec_path(prefix: str) -> str:
    found = _SPEC_PATHS.get(prefix)
    if found is None:
        found = _SPEC_PATHS[prefix] = join_path(prefix, "spec")
    return found


def _pointer(field_path: str) -> str:
    found = _POINTERS.get(field_path)
    if found is None:
        found = _POINTERS[field_path] = _make_pointer(field_path)
    return found


def _make_pointer(field_path: str) -> str:
    return jsonpatch.pointer(split_path(field_path)) if field_path else ""


def _annotation_ops(
    obj: dict[str, Any], prefix: str, metadata: dict[str, Any], name: str
) -> list[dict[str, Any]]:
    meta_ptr = _pointer(prefix) + "/metadata"
    holder: Any = obj
    for tok in split_path(prefix) if prefix else []:
        holder = holder[tok]
    if "metadata" not in holder or holder.get("metadata") is None:
        op = "add" if "metadata" not in holder else "replace"
        return [{"op": op, "path": meta_ptr, "value": {"annotations": {PROFILE_ANNOTATION: name}}}]
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict):
        op = "add" if "annotations" not in metadata else "replace"
        return [{"op": op, "path": meta_ptr + "/annotations", "value": {PROFILE_ANNOTATION: name}}]
    if annotations.get(PROFILE_ANNOTATION) == name:
        return []
    op = "replace" if PROFILE_ANNOTATION in annotations else "add"
    key = jsonpatch.escape(PROFILE_ANNOTATION)
    return [{"op": op, "path": f"{meta_ptr}/annotations/{key}", "value": name}]
