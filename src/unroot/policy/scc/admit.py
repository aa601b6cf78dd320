"""SCC admission for workloads: a Pod or a pod template, with a JSON Patch to apply it.

``unroot check`` and ``--fix`` ask one question per document: under the SCCs the workload may
use, in its namespace's UID block, would OpenShift admit the pod, and what would it fill in?
:func:`admit` answers it with :func:`unroot.policy.scc.admission.admit_pod` (the one engine)
run offline: the pod template of a Deployment is admitted like the Pod it will create, every
known SCC takes part in the order OpenShift would try them, those not allowed (``--allow-
profile``) count as not usable, and the namespace comes from its annotations or the
``--uid-range`` block. The answer is an :class:`SCCDecision`: the SCC, an RFC 6902 patch of
the pod spec plus the ``unroot.dev/profile`` annotation (paths point into the original object,
pod template included), the annotations OpenShift itself would add to the pod, or the reasons
for a denial, each naming its SCC and the offending field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from unroot.errors import InputError, UsageError
from unroot.policy import jsonpatch
from unroot.policy.psa.shape import validate_pod
from unroot.policy.scc.admission import NOT_USABLE, Cluster, Subject, admit_pod
from unroot.policy.scc.context import SCCReason
from unroot.policy.scc.fielderr import FieldError
from unroot.policy.scc.model import SCC
from unroot.policy.scc.namespace import MCS, SUPPLEMENTAL_GROUPS, UID_RANGE, Namespace
from unroot.policy.uidrange import UIDRange, mcs_from_annotations, range_from_annotations
from unroot.workload.podspec import join_path, pod_spec_of, split_path

PROFILE_ANNOTATION = "unroot.dev/profile"
DEFAULT_ALLOWED = ("restricted-v2",)


@dataclass(frozen=True, slots=True)
class SCCDecision:
    allowed: bool
    profile: str | None
    patch: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[SCCReason] = field(default_factory=list)
    annotations: dict[str, str] = field(default_factory=dict)
    """Pod annotations OpenShift's admission would add or change (``openshift.io/scc``, the
    subject type, the seccomp annotation); not part of ``patch``."""


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
    """Types of the fields only SCC strategies read (Pod Security's shape check covers the
    rest), so that the strategies can trust what they compare."""
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


def check_types(metadata: dict[str, Any], spec: dict[str, Any], prefix: str) -> None:
    """Reject wrongly typed fields an SCC reads, naming the field (an InputError)."""
    validate_pod(metadata, spec, prefix)
    _check_types(spec, join_path(prefix, "spec"))


# --- caches: one Cluster per set of SCCs, one Namespace per annotation set --------------

_CLUSTERS: dict[int, tuple[Mapping[str, SCC], tuple[SCC, ...], Cluster]] = {}
_NAMESPACES: dict[tuple[Any, ...], Namespace] = {}
_SUBJECTS: dict[tuple[str, ...], Subject] = {}


def cluster_for(profiles: Mapping[str, SCC]) -> Cluster:
    """The SCCs of ``profiles`` in admission order, memoised per mapping (and rebuilt when
    the mapping's SCCs change)."""
    found = _CLUSTERS.get(id(profiles))
    values = tuple(profiles.values())
    if found is not None and found[0] is profiles and found[1] == values:
        return found[2]
    if len(_CLUSTERS) > 64:
        _CLUSTERS.clear()
    cluster = Cluster(list(values))
    _CLUSTERS[id(profiles)] = (profiles, values, cluster)
    return cluster


def namespace_for(
    name: str,
    uid_range: UIDRange | None,
    annotations: Mapping[str, Any] | None,
) -> Namespace:
    """The namespace an offline check admits into: its annotations (``unroot.dev/*`` or
    ``openshift.io/sa.scc.*``) win over ``uid_range``; the SELinux level may stay open."""
    ann_key = tuple(sorted((str(k), str(v)) for k, v in annotations.items())) if annotations else ()
    key = (name, uid_range, ann_key)
    found = _NAMESPACES.get(key)
    if found is None:
        if len(_NAMESPACES) > 1024:
            _NAMESPACES.clear()
        effective: dict[str, str] = {}
        rng = range_from_annotations(annotations) or uid_range
        if rng is not None:
            effective[UID_RANGE] = f"{rng.start}/{rng.size}"
        level = mcs_from_annotations(annotations)
        if level is not None:
            effective[MCS] = level
        groups = annotations.get(SUPPLEMENTAL_GROUPS) if annotations else None
        if isinstance(groups, str):
            effective[SUPPLEMENTAL_GROUPS] = groups
        found = _NAMESPACES[key] = Namespace(name, effective, level_optional=True)
    return found


def _subject(names: list[str]) -> Subject:
    key = tuple(names)
    found = _SUBJECTS.get(key)
    if found is None:
        if len(_SUBJECTS) > 256:
            _SUBJECTS.clear()
        found = _SUBJECTS[key] = Subject(user=frozenset(names))
    return found


def admit(
    obj: Any,
    *,
    profiles: Mapping[str, SCC],
    allowed_profiles: Iterable[str] = DEFAULT_ALLOWED,
    uid_range: UIDRange | None = None,
    namespace_annotations: Mapping[str, Any] | None = None,
    types_checked: bool = False,
) -> SCCDecision:
    """Admit ``obj`` (a Pod or a workload with a pod template) under the allowed SCCs.

    Objects that hold no pod, and Windows pods, are allowed unchanged. Unknown SCC names are a
    UsageError; wrongly typed fields an InputError. ``types_checked=True`` skips the Pod
    Security type check when the caller has just evaluated the same object with
    :func:`unroot.policy.psa.evaluate` (which runs it), as the webhook does.
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
    ns = namespace_for(ref.namespace or "default", uid_range, namespace_annotations)
    pod = {"metadata": ref.metadata, "spec": ref.spec}
    result = admit_pod(
        pod, cluster=cluster_for(profiles), namespace=ns, subject=_subject(names), offline=True
    )
    if result.ignored:
        return SCCDecision(True, None)
    if result.allowed and result.pod is not None and result.scc is not None:
        base = _pointer(ref.path_prefix)
        patch = jsonpatch.diff(ref.spec, result.pod["spec"], base + "/spec")
        patch.extend(_annotation_ops(obj, ref.path_prefix, ref.metadata, result.scc))
        before = ref.metadata.get("annotations")
        before = before if isinstance(before, dict) else {}
        after = result.pod["metadata"].get("annotations") or {}
        added = {k: v for k, v in after.items() if before.get(k) != v}
        return SCCDecision(True, result.scc, patch, [], added)
    if result.failure is not None:
        failure = SCCReason(spec_path, result.failure, None, result.failure)
        return SCCDecision(False, None, [], [failure])
    reasons = [
        _reason(e, ref.path_prefix, spec_path)
        for e in result.errors
        if not (e.kind and e.detail == NOT_USABLE)
    ]
    return SCCDecision(False, None, [], list(dict.fromkeys(reasons)))


def _reason(error: FieldError, prefix: str, spec_path: str) -> SCCReason:
    text = str(error)
    message = text
    root = f"provider {error.scc}: "
    if error.scc is not None and message.startswith(root):
        message = message[len(root) :].lstrip(".")
    where = _join(prefix, error.field) if error.field else spec_path
    return SCCReason(where, message, error.scc, text)


_JOINED: dict[tuple[str, str], str] = {}


def _join(prefix: str, rel: str) -> str:
    """``prefix`` + a pod-relative field path (``spec.containers[0]...``)."""
    key = (prefix, rel)
    found = _JOINED.get(key)
    if found is None:
        if len(_JOINED) > 4096:
            _JOINED.clear()
        found = _JOINED[key] = f"{prefix}.{rel}" if prefix else rel
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
