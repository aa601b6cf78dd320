"""The rule contract and its registry.

A rule is data (id, category, severity, title, rationale, fix, docs) plus one pure function
from a model context to findings. Rules live one per module under ``unroot.rules.<kind>``
(``image``, ``dockerfile``, ``script``, ``daemon``) and each module exposes ``RULE``. The
registry imports those packages explicitly by name, so the set of rules is the set of files,
and ``tests/rules/test_registry.py`` pins the list of ids.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from unroot.findings import Category, Evidence, Finding, Severity

RULE_KINDS = ("image", "dockerfile", "script", "daemon")


@dataclass(frozen=True, slots=True)
class Rule:
    """A documented check. ``check`` takes the context of its ``kind`` and yields findings."""

    id: str
    kind: str
    category: Category
    severity: Severity
    title: str
    rationale: str
    fix: str
    docs: str
    check: Callable[[Any], Iterable[Finding]]

    def finding(
        self,
        message: str,
        *evidence: Evidence,
        severity: Severity | None = None,
        category: Category | None = None,
        fix: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        """Build a finding of this rule; defaults come from the rule itself."""
        return Finding(
            rule=self.id,
            category=category or self.category,
            severity=severity or self.severity,
            message=message,
            evidence=tuple(evidence),
            fix=fix if fix is not None else self.fix,
            data=data or {},
        )


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by id. Imports ``unroot.rules.<kind>.*`` modules once."""
    found: list[Rule] = []
    for kind in RULE_KINDS:
        package = importlib.import_module(f"unroot.rules.{kind}")
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            rule = getattr(module, "RULE", None)
            if isinstance(rule, Rule):
                found.append(rule)
    ids = [r.id for r in found]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuntimeError(f"duplicate rule ids: {sorted(dupes)}")
    return tuple(sorted(found, key=lambda r: r.id))


def rules_of(kind: str) -> tuple[Rule, ...]:
    return tuple(r for r in all_rules() if r.kind == kind)


def get_rule(rule_id: str) -> Rule | None:
    wanted = rule_id.upper()
    return next((r for r in all_rules() if r.id == wanted), None)


def run_rules(kind: str, context: Any) -> list[Finding]:
    """Apply every rule of ``kind`` to ``context``; findings in rule-id order."""
    out: list[Finding] = []
    for rule in rules_of(kind):
        out.extend(rule.check(context))
    return out
