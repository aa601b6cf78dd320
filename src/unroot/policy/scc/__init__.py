"""SCC-style profiles (OpenShift SecurityContextConstraints semantics) for any cluster.

``admit(obj, profiles=..., allowed_profiles=..., uid_range=...)`` chooses a profile, fills in
what is unset, validates, and returns an :class:`SCCDecision` with an RFC 6902 patch. Profiles are
data (``profiles/*.yaml`` plus user files); each strategy is one module with mutate/validate.
"""

from __future__ import annotations

from unroot.policy.scc.admit import DEFAULT_ALLOWED, PROFILE_ANNOTATION, SCCDecision, admit
from unroot.policy.scc.context import SCCReason
from unroot.policy.scc.profile import (
    Profile,
    builtin_profiles,
    load_profiles,
    order,
    parse_profile,
    restrictiveness,
)

__all__ = [
    "DEFAULT_ALLOWED",
    "PROFILE_ANNOTATION",
    "Profile",
    "SCCDecision",
    "SCCReason",
    "admit",
    "builtin_profiles",
    "load_profiles",
    "order",
    "parse_profile",
    "restrictiveness",
]
