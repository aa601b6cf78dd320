"""The one call from admission into the workload pipeline.

The webhook judges one object per AdmissionReview with
:func:`unroot.pipeline.workload.admit_object`, the verdict ``unroot check`` builds its targets
from: the SCC-style profiles, then optionally Pod Security on the object as admitted. This
module is the only place in ``admission`` that knows how that entry is called; the rest of the
package sees :class:`Outcome`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from unroot.pipeline.workload import WorkloadOptions, admit_object
from unroot.policy import jsonpatch
from unroot.policy.scc import PROFILE_ANNOTATION, Profile
from unroot.policy.uidrange import UIDRange
from unroot.workload.podspec import pod_spec_of

OPENSHIFT_SCC_ANNOTATION = "openshift.io/scc"
"""Where OpenShift records the SCC that admitted a pod; written beside our own annotation so
tools that read OpenShift's keep working."""


@dataclass(slots=True)
class Outcome:
    allowed: bool
    profile: str | None = None
    patch: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    fields_to_fill: list[str] = field(default_factory=list)
    """Pointers of spec fields the profile fills in (empty when the object already complies)."""


class Engine:
    """The workload options a policy file stands for, built once per policy (re)load."""

    __slots__ = ("options",)

    def __init__(self, profiles: Mapping[str, Profile], psa: tuple[str, str] | None = None) -> None:
        """``psa``: (level, version), also require Pod Security on the object as admitted."""
        level, version = psa if psa is not None else (None, "latest")
        self.options = WorkloadOptions(
            mode="scc",
            psa_level=level,
            psa_version=version,
            profiles=profiles,
            simulate_ranges=False,
        )

    def evaluate(
        self,
        obj: dict[str, Any],
        *,
        allowed_profiles: Sequence[str],
        uid_range: UIDRange | None,
        namespace_annotations: Mapping[str, Any] | None,
    ) -> Outcome:
        """Raises InputError for a malformed object (the caller denies with the message)."""
        verdict = admit_object(
            obj,
            self.options,
            allowed_profiles=allowed_profiles,
            uid_range=uid_range,
            namespace_annotations=namespace_annotations,
        )
        decision = verdict.decision
        if not decision.allowed:
            return Outcome(False, reasons=[str(r) for r in decision.reasons])
        if verdict.psa is not None and not verdict.psa.allowed:
            level, version = self.options.psa_level, self.options.psa_version
            return Outcome(
                False,
                decision.profile,
                reasons=[
                    f"profile {decision.profile} admits it, but Pod Security {level} "
                    f"{version} forbids: {r.text()}"
                    for r in verdict.psa.results
                ],
            )
        patch = list(decision.patch)
        if decision.profile:
            _record_profile(obj, patch, decision.profile)
        fill = [op["path"] for op in patch if "/metadata" not in op["path"]]
        return Outcome(True, decision.profile, patch, [], fill)


def _record_profile(obj: dict[str, Any], patch: list[dict[str, Any]], name: str) -> None:
    """Add ``openshift.io/scc`` next to the profile annotation the engine writes."""
    for existing in patch:
        value = existing.get("value")
        if existing["path"].endswith("/metadata") and isinstance(value, dict):
            value.setdefault("annotations", {})[OPENSHIFT_SCC_ANNOTATION] = name
            return
        if existing["path"].endswith("/metadata/annotations") and isinstance(value, dict):
            value[OPENSHIFT_SCC_ANNOTATION] = name
            return
    ref = pod_spec_of(obj)
    if ref is None:
        return
    annotations = ref.metadata.get("annotations")
    if not isinstance(annotations, dict) or annotations.get(OPENSHIFT_SCC_ANNOTATION) == name:
        return
    base = "".join("/" + jsonpatch.escape(t) for t in ref.path_prefix.split(".") if t)
    op = "replace" if OPENSHIFT_SCC_ANNOTATION in annotations else "add"
    key = jsonpatch.escape(OPENSHIFT_SCC_ANNOTATION)
    patch.append({"op": op, "path": f"{base}/metadata/annotations/{key}", "value": name})


__all__ = ["OPENSHIFT_SCC_ANNOTATION", "PROFILE_ANNOTATION", "Engine", "Outcome"]
