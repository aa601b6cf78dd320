"""SCC admission of one pod, as OpenShift's admission plugin does it on CREATE.

:func:`admit_pod` takes the pod, every SCC that exists, the namespace and who asks (which SCCs
the requesting user and the pod's service account may use) and returns the verdict, the SCC
that admitted the pod and the pod as admitted. The steps are upstream's:

1. Windows pods are not SCC admission's business: allowed, untouched, no SCC.
2. The SCCs are sorted (:mod:`unroot.policy.scc.order`); a pod annotated
   ``openshift.io/required-scc`` is tried against that SCC only, and fails if it does not exist.
3. Every SCC is made ready for the namespace. If one of them cannot be (a missing namespace
   annotation, MustRunAs without ``uid``), the whole request fails, whoever may use it.
4. In order, each SCC the subject may use fills in a copy of the pod and validates it; the first
   that validates wins. SCCs the subject may not use add "not usable" to the reasons. On
   success the pod gets ``openshift.io/scc`` and ``security.openshift.io/validated-scc-subject-
   type`` (``serviceaccount`` when the pod's service account may use the SCC, else ``user``).
5. If nothing validates, ``restricted-v2`` was tried and ``restricted`` exists but is not
   usable, and ``restricted`` would have admitted the pod, a hint says so.

``offline=True`` is for checks without a cluster: an SCC that cannot be made ready only fails
itself (a reason when the subject may use it), and a namespace without an SELinux level leaves
the level open (see :class:`unroot.policy.scc.namespace.Namespace`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from unroot.policy.scc.context import working_copy
from unroot.policy.scc.fielderr import FieldError, aggregate, forbidden, go_quote
from unroot.policy.scc.model import SCC
from unroot.policy.scc.namespace import Namespace
from unroot.policy.scc.order import order
from unroot.policy.scc.provider import Provider, ProviderError

SCC_ANNOTATION = "openshift.io/scc"
REQUIRED_SCC_ANNOTATION = "openshift.io/required-scc"
SUBJECT_TYPE_ANNOTATION = "security.openshift.io/validated-scc-subject-type"
SUMMARY = "unable to validate against any security context constraint"
RESTRICTED_HINT = (
    "the pod fails to validate against the `restricted-v2` security context constraint, "
    "but would validate successfully against the `restricted` security context constraint"
)
NOT_USABLE = "not usable by user or serviceaccount"


@dataclass(frozen=True, slots=True)
class Subject:
    """Who asks: the SCCs the requesting user may use, and those the pod's service account
    may use (only counted when the pod names a service account)."""

    user: frozenset[str] = frozenset()
    service_account: frozenset[str] = frozenset()


@dataclass(slots=True)
class PodAdmission:
    """The outcome for one pod."""

    allowed: bool
    scc: str | None = None
    pod: dict[str, Any] | None = None
    """The pod as admitted (every mutation and annotation applied); ``None`` when denied."""
    errors: list[FieldError] = field(default_factory=list)
    """Every reason of every SCC tried, in order (also for an allowed pod: those tried first)."""
    failure: str | None = None
    """Why the whole request failed before any SCC was tried."""
    subject_type: str | None = None
    ignored: bool = False
    """The pod is not subject to SCC admission (a Windows pod)."""

    def reasons(self) -> list[str]:
        """Upstream's denial, split into the summary and one line per reason."""
        if self.allowed:
            return []
        if self.failure is not None:
            return [self.failure]
        return [SUMMARY, *dict.fromkeys(str(e) for e in self.errors)]

    def message(self) -> str:
        """Upstream's denial as one line."""
        if self.failure is not None:
            return self.failure
        return f"{SUMMARY}: {aggregate(str(e) for e in self.errors)}"


@dataclass(slots=True)
class _Slot:
    scc: SCC
    provider: Provider | None
    error: str | None
    not_usable: FieldError


@dataclass(frozen=True, slots=True)
class _Plan:
    """The SCCs in order, each with the subject type that may use it (``None``: nobody)."""

    steps: tuple[tuple[_Slot, str | None], ...]
    hint_from: _Slot | None
    """``restricted``, when the restricted-v2 hint is possible (restricted-v2 is there and
    ``restricted`` is not usable)."""


class Cluster:
    """The SCCs of a cluster in admission order, with providers cached per namespace."""

    def __init__(self, sccs: Sequence[SCC]) -> None:
        self.sccs = order(sccs)
        self.by_name = {s.name: s for s in self.sccs}
        self._slots: dict[tuple[Any, ...], list[_Slot]] = {}
        self._plans: dict[tuple[Any, ...], _Plan] = {}

    def slots(self, ns: Namespace, required: str | None) -> list[_Slot]:
        key = (ns.key(), required)
        found = self._slots.get(key)
        if found is None:
            if len(self._slots) > 256:
                self._slots.clear()
                self._plans.clear()
            chosen = self.sccs if required is None else [self.by_name[required]]
            found = self._slots[key] = [_make_slot(s, ns) for s in chosen]
        return found

    def plan(self, slots: list[_Slot], subject: Subject, has_sa: bool) -> _Plan:
        key = (id(slots), subject, has_sa)
        found = self._plans.get(key)
        if found is None:
            if len(self._plans) > 1024:
                self._plans.clear()
            steps: list[tuple[_Slot, str | None]] = []
            for slot in slots:
                name = slot.scc.name
                if has_sa and name in subject.service_account:
                    steps.append((slot, "serviceaccount"))
                elif name in subject.user:
                    steps.append((slot, "user"))
                else:
                    steps.append((slot, None))
            names = {slot.scc.name: kind for slot, kind in steps}
            hint_from = None
            if "restricted-v2" in names and names.get("restricted", "") is None:
                hint_from = next(slot for slot, _ in steps if slot.scc.name == "restricted")
            found = self._plans[key] = _Plan(tuple(steps), hint_from)
        return found


def _make_slot(scc: SCC, ns: Namespace) -> _Slot:
    not_usable = forbidden(f'provider "{scc.name}"', NOT_USABLE, "", scc.name)
    try:
        return _Slot(scc, Provider(scc, ns), None, not_usable)
    except ProviderError as exc:
        return _Slot(scc, None, str(exc), not_usable)


def admit_pod(
    pod: Mapping[str, Any],
    *,
    cluster: Cluster,
    namespace: Namespace,
    subject: Subject,
    offline: bool = False,
) -> PodAdmission:
    """Admit ``pod`` (a mapping with ``metadata`` and ``spec``) on CREATE; ``pod`` itself is
    never changed."""
    spec = pod.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    os_ = spec.get("os")
    if isinstance(os_, dict) and os_.get("name") == "windows":
        return PodAdmission(True, None, dict(pod), ignored=True)
    meta = pod.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    required = annotations.get(REQUIRED_SCC_ANNOTATION) if isinstance(annotations, dict) else None
    required = required if isinstance(required, str) and required else None
    if required is not None and required not in cluster.by_name:
        quoted = go_quote(required)
        return PodAdmission(
            False,
            failure=(
                f"failed to retrieve the required SCC {quoted}: "
                f"securitycontextconstraints.security.openshift.io {quoted} not found"
            ),
        )
    if not cluster.sccs:
        return PodAdmission(False, failure="no SecurityContextConstraints found in cluster")
    slots = cluster.slots(namespace, required)
    if not offline:
        failures = [s.error for s in slots if s.error is not None]
        if failures:
            return PodAdmission(False, failure=aggregate(failures))

    sa_name = spec.get("serviceAccountName")
    plan = cluster.plan(slots, subject, isinstance(sa_name, str) and bool(sa_name))
    errors: list[FieldError] = []
    for slot, subject_type in plan.steps:
        if subject_type is None:
            errors.append(slot.not_usable)
            continue
        provider = slot.provider
        if provider is None:
            name = slot.scc.name
            errors.append(FieldError(f"provider {name}", "", slot.error or "", "", name))
            continue
        work = working_copy(pod)
        found = provider.apply(work)
        if found:
            errors.extend(found)
            continue
        meta_out = work["metadata"]
        ann = meta_out.get("annotations")
        ann = dict(ann) if isinstance(ann, dict) else {}
        ann[SCC_ANNOTATION] = provider.name
        ann[SUBJECT_TYPE_ANNOTATION] = subject_type
        meta_out["annotations"] = ann
        return PodAdmission(True, provider.name, work, errors, subject_type=subject_type)

    hint_from = plan.hint_from
    if hint_from is not None and hint_from.provider is not None and hint_from.provider.admits(pod):
        errors.append(forbidden("no access to scc/restricted", RESTRICTED_HINT, "", "restricted"))
    return PodAdmission(False, None, None, errors)
