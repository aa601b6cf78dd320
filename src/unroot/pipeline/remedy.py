"""``check --fix`` for pods no profile admits: remove what the profile refuses, then admit.

A pod that asks for root (``runAsUser: 0``), privileges (``privileged: true``, added
capabilities, ``allowPrivilegeEscalation: true``) or host namespaces is refused rather than
filled in. Dropping the offending field lets the profile fill in its own safe value (a UID from
the namespace's range, no escalation, the default seccomp profile...), so the fix removes it and
admits the result. What the workload depends on and no profile value replaces is refused: a
hostPath or any other volume type the profile forbids (the containers mount it), and fields a
profile requires but the namespace gives no value for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from unroot.policy import jsonpatch
from unroot.policy.scc import SCCDecision, SCCReason
from unroot.policy.scc.admit import copy_json
from unroot.policy.scc.checks import OTHER, check_for
from unroot.workload.context import value_at
from unroot.workload.load import Document
from unroot.workload.podspec import join_path, split_path

PatchOp = dict[str, object]
Admit = Callable[[object], SCCDecision]
"""Admits an object under the allowed profiles (``unroot.policy.scc.admit`` with options)."""

KEEP = {
    "hostPath": "the containers mount a directory of the node; no profile value replaces it",
    "volumes": "the containers mount this volume; allow its type, or change the volume",
}
"""Checks whose refusals a fix cannot resolve, and why."""


@dataclass(frozen=True, slots=True)
class Removal:
    """One field the fix removes, and the refusal that it resolves."""

    field: str
    """Field path in the document."""
    value: str | None
    """The removed value when it is a scalar."""
    reason: str
    """The profile's refusal of the field."""


@dataclass(frozen=True, slots=True)
class Remedy:
    """How to make a refused document admissible: removals, then the profile's mutation."""

    removals: tuple[Removal, ...]
    ops: tuple[PatchOp, ...]
    """RFC 6902 operations rooted at the document's object: the removals, then the patch of
    the profile that admits the result."""
    profile: str


def remedy(doc: Document, refused: SCCDecision, admit: Admit) -> Remedy | list[str]:
    """A remedy for a document ``refused`` by every allowed profile, or why there is none.

    Each profile's refusals are tried in the order the profiles were tried (most restrictive
    first); the first whose removals make the document admissible wins.
    """
    why_not: list[str] = []
    for profile, reasons in _by_profile(refused.reasons):
        removals, blocked = _removals(doc, reasons)
        if blocked:
            why_not.extend(blocked)
            continue
        edited = copy_json(doc.obj)
        ops: list[PatchOp] = [
            {"op": "remove", "path": jsonpatch.pointer(split_path(r.field))} for r in removals
        ]
        jsonpatch.apply(edited, copy_json(ops))
        decision = admit(edited)
        if decision.allowed and decision.profile is not None:
            return Remedy(tuple(removals), (*ops, *decision.patch), decision.profile)
        why_not.extend(f"after removing what {profile} refuses: {r}" for r in decision.reasons)
    return list(dict.fromkeys(why_not))


def _by_profile(reasons: Sequence[SCCReason]) -> list[tuple[str, list[SCCReason]]]:
    groups: dict[str, list[SCCReason]] = {}
    for r in reasons:
        groups.setdefault(r.profile or "", []).append(r)
    return list(groups.items())


def _removals(doc: Document, reasons: Sequence[SCCReason]) -> tuple[list[Removal], list[str]]:
    """The fields to remove for ``reasons``, or the refusals no removal resolves."""
    found: dict[str, Removal] = {}
    blocked: list[str] = []
    for r in reasons:
        check = check_for(r.field_path)
        if check.field in KEEP or check is OTHER:
            blocked.append(f"{r}: {KEEP.get(check.field, 'no fix known')}")
            continue
        field = _field_to_remove(r.field_path, check.field)
        if not _present(doc.obj, field):
            blocked.append(f"{r}: the namespace gives the profile no value to fill in")
            continue
        found.setdefault(field, Removal(field, value_at(doc.obj, field), r.message))
    kept = [r for r in found.values() if not any(_inside(r.field, other) for other in found)]
    return sorted(kept, key=_removal_order), blocked


def _inside(field: str, other: str) -> bool:
    """``field`` lies strictly inside ``other`` (removing ``other`` removes it too)."""
    a, b = split_path(field), split_path(other)
    return len(a) > len(b) and a[: len(b)] == b


def _field_to_remove(path: str, check: str) -> str:
    """The field whose removal lets the profile fill in its own value."""
    tokens = split_path(path)
    if check == "seccompProfile" and tokens[-1] == "type":
        tokens = tokens[:-1]  # the whole profile: the default is filled in
    elif check == "sysctls" and tokens[-1] == "name":
        tokens = tokens[:-1]  # the whole sysctl entry
    return join_path("", *tokens)


_ABSENT = object()


def _present(obj: object, path: str) -> bool:
    cur = obj
    for tok in split_path(path):
        if isinstance(tok, int):
            cur = cur[tok] if isinstance(cur, list) and 0 <= tok < len(cur) else _ABSENT
        else:
            cur = cur[tok] if isinstance(cur, dict) and tok in cur else _ABSENT
        if cur is _ABSENT:
            return False
    return True


def _removal_order(removal: Removal) -> tuple[tuple[int, int, str], ...]:
    """Later list items first, so removing one does not shift the index of another."""
    key = [(0, -t, "") if isinstance(t, int) else (1, 0, t) for t in split_path(removal.field)]
    return tuple(key)
