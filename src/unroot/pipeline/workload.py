"""The workload pipeline: parsed Kubernetes / compose / command-line documents -> Targets.

:func:`check_workloads` is the entry for ``unroot check``. It takes documents that are already
parsed (``unroot.workload.load.Source``; :func:`unroot.workload.load.source_of_objects` wraps
API objects) and :class:`WorkloadOptions`, and returns a :class:`WorkloadResult`: one Target
per pod-holding document, the JSON Patches that would make each admissible, what cannot be
fixed, and the messages a caller may show. It prints nothing and reads no files: images are
scanned only through the ``image_scanner`` callable the caller passes in.

:func:`admit_object` is the policy verdict on one parsed object under the same options: the SCC
profiles, then (with ``psa_level``) Pod Security on the object as the profile admits it.
``check_workloads`` judges every document through it, and the admission webhook calls it once
per AdmissionReview, so both answer with one engine; the webhook skips the findings, rules and
reports it does not send back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from unroot.errors import InputError, UnrootError, UsageError
from unroot.findings import Evidence, Finding, Severity, Target, Verdict
from unroot.oci.reference import name_problem
from unroot.pipeline import workload_policy as assess
from unroot.pipeline.remedy import Remedy, Removal, remedy
from unroot.policy import jsonpatch
from unroot.policy.psa import PSADecision
from unroot.policy.scc import DEFAULT_ALLOWED, Profile, SCCDecision, admit, load_profiles
from unroot.policy.scc.admit import copy_json
from unroot.policy.uidrange import UIDRange, allocate, parse_range, range_from_annotations
from unroot.rules.base import run_rules
from unroot.rules.input.ur001_invalid_object import RULE as INVALID_OBJECT
from unroot.rules.input.ur002_image_not_scanned import RULE as IMAGE_NOT_SCANNED
from unroot.workload.context import PodContext
from unroot.workload.load import Document, Source
from unroot.workload.podspec import join_path, pod_spec_of

Mode = Literal["psa", "scc"]
PatchOp = dict[str, object]
"""One RFC 6902 operation (``op``, ``path``, ``value``/``from``)."""
ImageScanner = Callable[[str], Target]
"""Scans one image reference (``unroot.pipeline.image.scan_image_ref``); may raise."""
NamespaceAnnotations = Mapping[str, Mapping[str, object]]

# Kinds that never hold a pod and appear in every Helm chart: skipped without a message.
QUIET_KINDS = frozenset(
    [
        "Service",
        "ConfigMap",
        "Secret",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "Ingress",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "StorageClass",
        "CustomResourceDefinition",
        "Endpoints",
        "EndpointSlice",
        "LimitRange",
        "ResourceQuota",
        "PriorityClass",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ]
)


@dataclass(frozen=True, slots=True)
class WorkloadOptions:
    """What to check the documents against. Build it with :func:`make_options` from user input.

    ``mode`` picks the verdict: Pod Security (``psa``) or SCC-style profiles (``scc``).
    ``psa_level`` is the Pod Security level: the verdict in ``psa`` mode, and in ``scc`` mode a
    second check of the pod as the profile admits it (None: no such check).
    """

    mode: Mode = "scc"
    psa_level: str | None = None
    psa_version: str = "latest"
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    allowed_profiles: tuple[str, ...] = DEFAULT_ALLOWED
    uid_range: UIDRange | None = None
    """The UID range of namespaces that do not declare one (``--uid-range``)."""
    namespaces: NamespaceAnnotations = field(default_factory=dict)
    """Known namespaces' annotations (a webhook's view of the cluster); Namespace objects in
    the input are added to these."""
    simulate_ranges: bool = True
    """Namespaces with no range anywhere get the block OpenShift's allocator would hand out
    (offline simulation); a webhook that reads real namespaces turns this off."""
    fix: bool = False
    """Compute the patches that make each document admissible (SCC mutation)."""
    image_scanner: ImageScanner | None = None
    """Scan the containers' images and combine their USER with the pod (``--image-scan``)."""

    @property
    def uses_profiles(self) -> bool:
        return self.mode == "scc" or self.fix


@dataclass(frozen=True, slots=True)
class Patch:
    """The JSON Patch that makes one document admissible.

    ``ops`` are rooted at the document's YAML chunk in its source (for ``kind: List`` items the
    paths start with ``/items/N``); for parsed objects (no chunk) they are rooted at the object,
    which is what an AdmissionReview response carries.
    """

    source: int
    """Index of the document's source in the ``sources`` passed in."""
    chunk: int | None
    """Index of the YAML document (chunk) in that source; None for parsed objects."""
    document: Document
    ops: tuple[PatchOp, ...]
    profile: str
    """The profile that admits the patched document."""
    removed: tuple[Removal, ...] = ()
    """Fields removed because the profile refused them (the rest of ``ops`` only fills in
    unset fields)."""


@dataclass(frozen=True, slots=True)
class Unfixable:
    """A document no allowed profile admits, even with the patches unroot can propose."""

    document: Document
    reasons: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.document.file}:{self.document.line_of('')} {self.document.ref}"


@dataclass(slots=True)
class WorkloadResult:
    targets: list[Target] = field(default_factory=list)
    """One per document holding a pod (in input order), then one per scanned image."""
    patches: list[Patch] = field(default_factory=list)
    unfixable: list[Unfixable] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    """``warning: ...`` / ``error: ...`` lines about the input, in input order."""
    input_errors: int = 0
    """Documents that could not be evaluated (each also has a deny target and a message)."""

    def fails(self, threshold: Severity | None) -> bool:
        """A workload is denied, or a finding is at least ``threshold`` (None: findings never
        fail)."""
        if any(t.verdict is Verdict.DENY for t in self.targets if t.kind == "workload"):
            return True
        if threshold is None:
            return False
        return any(f.severity.rank >= threshold.rank for t in self.targets for f in t.findings)


@dataclass(frozen=True, slots=True)
class ObjectVerdict:
    """The policy verdict on one object, before it becomes findings or an admission answer."""

    decision: SCCDecision
    """What the profiles decided: the admitting profile and its patch, or every refusal."""
    psa: PSADecision | None = None
    """Pod Security on the object as the profile admits it (``scc`` mode with ``psa_level``,
    when a profile admits it); None when not asked for."""

    @property
    def allowed(self) -> bool:
        return self.decision.allowed and (self.psa is None or self.psa.allowed)


def admit_object(
    obj: object,
    options: WorkloadOptions,
    *,
    allowed_profiles: Sequence[str] | None = None,
    uid_range: UIDRange | None = None,
    namespace_annotations: Mapping[str, object] | None = None,
) -> ObjectVerdict:
    """Judge one parsed object (a Pod or a workload) under ``options``' profiles.

    ``allowed_profiles`` overrides ``options.allowed_profiles`` for this object (a webhook
    grants profiles per namespace and subject). Raises InputError for a malformed object and
    UsageError for an unknown profile name.
    """
    decision = admit(
        obj,
        profiles=options.profiles,
        allowed_profiles=options.allowed_profiles if allowed_profiles is None else allowed_profiles,
        uid_range=uid_range,
        namespace_annotations=namespace_annotations,
    )
    if options.mode != "scc" or options.psa_level is None or not decision.allowed:
        return ObjectVerdict(decision)
    psa = assess.psa_on_admitted(obj, decision, options.psa_level, options.psa_version)
    return ObjectVerdict(decision, psa)


def make_options(
    *,
    mode: Mode,
    psa_level: str | None,
    psa_version: str,
    uid_range: str | None = None,
    profile_paths: Sequence[str] = (),
    allowed_profiles: Sequence[str] = (),
    fix: bool = False,
    image_scanner: ImageScanner | None = None,
) -> WorkloadOptions:
    """Options from command-line values; unknown profile names are a UsageError."""
    allowed = tuple(allowed_profiles) or DEFAULT_ALLOWED
    options = WorkloadOptions(
        mode=mode,
        psa_level=psa_level,
        psa_version=psa_version,
        allowed_profiles=allowed,
        uid_range=parse_range(uid_range) if uid_range else None,
        fix=fix,
        image_scanner=image_scanner,
    )
    if not options.uses_profiles:
        return options
    profiles = load_profiles(profile_paths)
    unknown = [n for n in allowed if n not in profiles]
    if unknown:
        known = ", ".join(sorted(profiles))
        raise UsageError(f"unknown profile(s) {', '.join(unknown)} (known: {known})")
    return replace(options, profiles=profiles)


def check_workloads(sources: Sequence[Source], options: WorkloadOptions) -> WorkloadResult:
    """Judge every pod-holding document of ``sources`` under ``options``.

    Namespace objects in the input provide namespace annotations (UID range, MCS level); other
    kinds without a pod template are skipped (with a warning unless they are common ones such
    as Services). A document that cannot be evaluated gets a deny target with an ``input``
    finding and counts in ``input_errors``; it never stops the others.
    """
    result = WorkloadResult()
    for src in sources:
        result.messages.extend(f"warning: {w}" for w in src.warnings)
    namespaces = {**options.namespaces, **_namespaces(sources)}
    ranges = _ranges(sources, namespaces, options) if options.uses_profiles else {}
    images: dict[str, Target] = {}
    for si, src in enumerate(sources):
        for doc in src.documents:
            if doc.kind != "Namespace":
                _check_document(si, doc, namespaces, ranges, images, options, result)
    if not options.fix:
        result.targets.extend(images.values())
    return result


def _check_document(
    si: int,
    doc: Document,
    namespaces: NamespaceAnnotations,
    ranges: Mapping[str, UIDRange],
    images: dict[str, Target],
    options: WorkloadOptions,
    result: WorkloadResult,
) -> None:
    try:
        ref = pod_spec_of(doc.obj)
    except InputError as exc:
        result.targets.append(_input_target(doc, str(exc), result))
        return
    if ref is None:
        if doc.kind not in QUIET_KINDS:
            result.messages.append(
                f"warning: {doc.file}:{doc.line_of('')}: skipping kind {doc.kind!r} "
                "(no pod template)"
            )
        return
    ns = doc.namespace or "default"
    annotations, uid_range = namespaces.get(ns), ranges.get(ns)
    decision: SCCDecision | None = None
    try:
        target, decision = _policy_target(doc, annotations, uid_range, options)
    except InputError as exc:
        result.targets.append(_input_target(doc, str(exc), result))
        return
    scanned: dict[str, Target] = {}
    problems: list[Finding] = []
    if options.image_scanner is not None:
        scanned, problems = _scan_images(ref.spec, options.image_scanner, images)
    context = PodContext(
        document=doc,
        spec=ref.spec,
        spec_prefix=join_path(ref.path_prefix, "spec"),
        admitted_spec=_patched_spec(doc, decision) if scanned else ref.spec,
        images=scanned,
    )
    target.findings.extend(run_rules("workload", context))
    target.findings.extend(problems)
    result.targets.append(target)
    if options.fix and decision is not None:
        try:
            _fix(si, doc, decision, annotations, uid_range, options, result)
        except InputError as exc:
            result.unfixable.append(Unfixable(doc, (str(exc),)))


def _fix(
    si: int,
    doc: Document,
    decision: SCCDecision,
    annotations: Mapping[str, object] | None,
    uid_range: UIDRange | None,
    options: WorkloadOptions,
    result: WorkloadResult,
) -> None:
    """Record the patch that makes ``doc`` admissible, or why there is none."""
    if decision.allowed:
        if decision.patch and decision.profile is not None:
            result.patches.append(
                Patch(si, doc.chunk_index, doc, _rooted(doc, decision.patch), decision.profile)
            )
        return

    def admit_edited(obj: object) -> SCCDecision:
        return admit(
            obj,
            profiles=options.profiles,
            allowed_profiles=options.allowed_profiles,
            uid_range=uid_range,
            namespace_annotations=annotations,
        )

    found = remedy(doc, decision, admit_edited)
    if isinstance(found, Remedy):
        ops = _rooted(doc, found.ops)
        result.patches.append(Patch(si, doc.chunk_index, doc, ops, found.profile, found.removals))
    else:
        result.unfixable.append(Unfixable(doc, tuple(found)))


def _rooted(doc: Document, ops: Sequence[Mapping[str, object]]) -> tuple[PatchOp, ...]:
    """``ops`` with paths rooted at the document's chunk (``/items/N`` for List items)."""
    return tuple(dict(op, path=f"{doc.pointer_prefix}{op['path']}") for op in ops)


def _policy_target(
    doc: Document,
    annotations: Mapping[str, object] | None,
    uid_range: UIDRange | None,
    options: WorkloadOptions,
) -> tuple[Target, SCCDecision | None]:
    """The document's target under the chosen mode, and the SCC decision when profiles ran."""
    decision: SCCDecision | None = None
    target: Target | None = None
    if options.mode == "psa":
        target = assess.psa_target(doc, options.psa_level or "restricted", options.psa_version)
    if options.uses_profiles:
        verdict = admit_object(
            doc.obj, options, uid_range=uid_range, namespace_annotations=annotations
        )
        decision = verdict.decision
        if options.mode == "scc":
            target = assess.scc_target(
                doc, decision, allowed_profiles=options.allowed_profiles, uid_range=uid_range
            )
            if verdict.psa is not None and not verdict.psa.allowed:
                extra = assess.psa_after_patch(
                    doc,
                    decision.profile,
                    verdict.psa,
                    options.psa_level or "restricted",
                    options.psa_version,
                )
                target.findings.extend(extra)
                target.verdict = Verdict.DENY
                target.reasons.extend(f.message for f in extra)
    assert target is not None
    return target, decision


def _namespaces(sources: Sequence[Source]) -> dict[str, Mapping[str, object]]:
    """Namespace name -> annotations, for Namespace objects in the input."""
    out: dict[str, Mapping[str, object]] = {}
    for src in sources:
        for doc in src.documents:
            if doc.kind == "Namespace" and doc.name:
                meta = doc.obj.get("metadata") or {}
                ann = meta.get("annotations") if isinstance(meta, dict) else None
                out[doc.name] = dict(ann) if isinstance(ann, dict) else {}
    return out


def _ranges(
    sources: Sequence[Source], namespaces: NamespaceAnnotations, options: WorkloadOptions
) -> dict[str, UIDRange]:
    """Namespace -> UID range: the namespace's annotation, else ``options.uid_range``, else
    (offline simulation) the block the allocator would hand out, in namespace-name order."""
    out: dict[str, UIDRange] = {}
    taken: list[UIDRange] = []
    for name, ann in namespaces.items():
        rng = range_from_annotations(ann)
        if rng is not None:
            out[name] = rng
            taken.append(rng)
    wanted = sorted(
        {d.namespace or "default" for s in sources for d in s.documents if d.kind != "Namespace"}
    )
    for name in wanted:
        if name in out:
            continue
        if options.uid_range is not None:
            out[name] = options.uid_range
        elif options.simulate_ranges:
            rng = allocate(taken)
            taken.append(rng)
            out[name] = rng
    return out


def _input_target(doc: Document, message: str, result: WorkloadResult) -> Target:
    """A deny target for a document that cannot be evaluated (also a message)."""
    where = f"{doc.file}:{doc.line_of('')}"
    result.messages.append(f"error: {where}: {doc.ref}: {message}")
    result.input_errors += 1
    return Target(
        ref=f"{where} {doc.ref}",
        kind="workload",
        verdict=Verdict.DENY,
        findings=[
            INVALID_OBJECT.finding(message, Evidence(file=doc.file, line=doc.line_of("")), fix="")
        ],
        reasons=[message],
    )


def _patched_spec(doc: Document, decision: SCCDecision | None) -> Mapping[str, object]:
    """The pod spec as the profile admits it (the original when nothing changes)."""
    obj = doc.obj
    if decision is not None and decision.allowed and decision.patch:
        obj = jsonpatch.apply(copy_json(obj), copy_json(decision.patch))
    ref = pod_spec_of(obj)
    return ref.spec if ref else {}


def _scan_images(
    spec: Mapping[str, object], scanner: ImageScanner, cache: dict[str, Target]
) -> tuple[dict[str, Target], list[Finding]]:
    """Scanned images of the pod's containers by reference, and a finding per image that
    could not be scanned. Only plain image names are scanned: a transport, a path or a
    storage specifier in a manifest is a finding (:mod:`unroot.oci.reference`)."""
    images: dict[str, Target] = {}
    problems: list[Finding] = []
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        for c in items if isinstance(items, list) else []:
            ref = c.get("image") if isinstance(c, dict) else None
            if not isinstance(ref, str) or not ref:
                continue
            problem = name_problem(ref)
            if problem is not None:
                shown = ref if len(ref) <= 100 else ref[:97] + "..."
                problems.append(
                    IMAGE_NOT_SCANNED.finding(
                        f"image {shown!r} not scanned: {problem}; a workload may only name "
                        "an image in a registry or in container storage",
                        fix="",
                    )
                )
                continue
            if ref not in cache:
                try:
                    cache[ref] = scanner(ref)
                except (UnrootError, OSError) as exc:
                    problems.append(
                        IMAGE_NOT_SCANNED.finding(
                            f"image {ref} not scanned: {' '.join(str(exc).split())}", fix=""
                        )
                    )
                    continue
            images[ref] = cache[ref]
    return images, problems


@dataclass(frozen=True, slots=True)
class FixedSource:
    """A source with the patches of its documents applied (comments and formatting kept)."""

    source: Source
    text: str
    patches: tuple[Patch, ...]
    """The patches applied, one per changed document."""

    @property
    def documents(self) -> int:
        return len(self.patches)

    def notes(self) -> list[str]:
        """What the fix removed from each document, and why (empty when it only fills in)."""
        out: list[str] = []
        for patch in self.patches:
            if not patch.removed:
                continue
            doc = patch.document
            out.append(
                f"{doc.ref} ({doc.file}:{doc.line_of('')}): removes what {patch.profile} "
                "refuses, then fills in its defaults:"
            )
            for r in patch.removed:
                value = "" if r.value is None else f" = {r.value}"
                out.append(f"  {r.field}{value} ({r.reason})")
        return out


def fixed_sources(
    sources: Sequence[Source], result: WorkloadResult
) -> tuple[list[FixedSource], list[str]]:
    """The new text of every source with patches, and messages about those it cannot rewrite."""
    from unroot.pipeline.rewrite import rewrite

    fixed: list[FixedSource] = []
    messages: list[str] = []
    for si, src in enumerate(sources):
        mine: dict[int, list[dict[str, object]]] = {}
        patches = [p for p in result.patches if p.source == si and p.chunk is not None]
        for patch in patches:
            if patch.chunk is not None:
                mine.setdefault(patch.chunk, []).extend(patch.ops)
        if not mine:
            continue
        if src.format != "kubernetes":
            messages.append(f"warning: {src.file}: --fix rewrites Kubernetes YAML only")
            continue
        fixed.append(FixedSource(src, rewrite(src, mine), tuple(patches)))
    return fixed, messages
