"""From findings to a verdict with reasons: ``root`` | ``non-root`` | ``arbitrary-uid-ready``.

The verdict reads only the categories and severities of findings, so rules of any kind
(image, Dockerfile, script, daemon) change it just by emitting findings:

- ``root``: a ``no_user`` finding of severity error (the process starts as UID 0);
- ``non-root``: otherwise, if any finding is at least a warning (something still needs
  privilege, or the image is not ready for an arbitrary UID);
- ``arbitrary-uid-ready``: nothing above info.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from unroot.findings import Category, Finding, Severity, Verdict

ROOT_CATEGORIES = (Category.NO_USER,)
"""A finding of severity error in one of these means the container starts as root."""

_ORDER = {c: i for i, c in enumerate(Category)}
_PRIORITY = (Category.NO_USER, Category.PRIVILEGE_DROP_AT_START)


def _category_rank(category: Category) -> tuple[int, int]:
    if category in _PRIORITY:
        return (0, _PRIORITY.index(category))
    return (1, _ORDER[category])


def is_root(findings: Iterable[Finding]) -> bool:
    return any(f.category in ROOT_CATEGORIES and f.severity is Severity.ERROR for f in findings)


def decide(
    findings: Sequence[Finding], ready_reasons: Sequence[str] = ()
) -> tuple[Verdict, list[str]]:
    """The verdict and its reasons (short sentences, most important first).

    ``ready_reasons`` are the sentences to give when the target turns out ready (what was
    checked and passed), since a clean result has no findings to quote.
    """
    blocking = [f for f in findings if f.severity.rank >= Severity.WARNING.rank]
    if is_root(findings):
        verdict = Verdict.ROOT
    elif blocking:
        verdict = Verdict.NON_ROOT
    else:
        return Verdict.ARBITRARY_UID_READY, list(ready_reasons)
    return verdict, summarise(blocking)


def summarise(findings: Sequence[Finding]) -> list[str]:
    """One sentence per category: its most severe finding, plus how many more there are."""
    by_category: dict[Category, list[Finding]] = {}
    for f in findings:
        by_category.setdefault(f.category, []).append(f)
    reasons: list[str] = []
    for category in sorted(by_category, key=_category_rank):
        group = sorted(by_category[category], key=lambda f: -f.severity.rank)
        head = group[0].message
        if len(group) > 1:
            head += f" (and {len(group) - 1} more {category.value} finding"
            head += "s)" if len(group) > 2 else ")"
        reasons.append(head)
    return reasons
