"""OpenShift SecurityContextConstraints admission, to the letter, for any cluster.

:func:`admission.admit_pod` is the engine: one pod, every SCC, the namespace and who asks, in
and the verdict, the SCC and the admitted pod out, with OpenShift's wording. :func:`admit` runs
it on a Pod or a workload's pod template for ``unroot check`` and returns an
:class:`SCCDecision` with an RFC 6902 patch. SCCs are data: OpenShift's defaults in
``profiles/*.yaml``, plus SCC objects or unroot's short profile form from files
(:mod:`unroot.policy.scc.profile`); each strategy is one module.
"""

from __future__ import annotations

from unroot.policy.scc.admit import DEFAULT_ALLOWED, PROFILE_ANNOTATION, SCCDecision, admit
from unroot.policy.scc.context import SCCReason
from unroot.policy.scc.profile import (
    SCC,
    Profile,
    builtin_profiles,
    load_profiles,
    order,
    parse_profile,
    restrictiveness,
    scc_from_object,
)

__all__ = [
    "DEFAULT_ALLOWED",
    "PROFILE_ANNOTATION",
    "SCC",
    "Profile",
    "SCCDecision",
    "SCCReason",
    "admit",
    "builtin_profiles",
    "load_profiles",
    "order",
    "parse_profile",
    "restrictiveness",
    "scc_from_object",
]
