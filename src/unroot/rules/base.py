"""The rule contract and its registry.

A rule is a :class:`~unroot.findings.Descriptor` (id, category, severity, title, rationale, fix,
docs) plus one pure function from a model context to findings. Rules live one per module under
``unroot.rules.<kind>`` and each module exposes ``RULE``; the registry imports those packages
by name, so the set of rules is the set of files, and ``tests/rules/test_rules_registry.py``
pins the list of ids. Modules of the ``input`` kind describe problems the pipelines report
about their input; they have no check function.

Each kind owns a range of ids (:data:`ID_PREFIXES`), so :func:`get_rule` imports only the one
kind an id belongs to: describing a workload finding does not load the image or shell rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from unroot.findings import Descriptor, Finding

ID_PREFIXES: dict[str, str] = {
    "input": "UR0",
    "image": "UR1",
    "dockerfile": "UR2",
    "script": "UR3",
    "daemon": "UR4",
    "workload": "UR5",
    "runtime": "UR6",
}
RULE_KINDS = tuple(ID_PREFIXES)


@dataclass(frozen=True, slots=True)
class Rule(Descriptor):
    """A documented check. ``check`` takes the context of its ``kind`` and yields findings."""

    check: Callable[[Any], Iterable[Finding]]


@cache
def descriptors_of(kind: str) -> tuple[Descriptor, ...]:
    """Every rule of ``kind`` sorted by id. Imports ``unroot.rules.<kind>.*`` once."""
    package = importlib.import_module(f"unroot.rules.{kind}")
    found: list[Descriptor] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Descriptor):
            if rule.kind != kind or not rule.id.startswith(ID_PREFIXES[kind]):
                raise RuntimeError(f"{module.__name__}: rule {rule.id} is not a {kind} rule id")
            found.append(rule)
    return tuple(sorted(found, key=lambda r: r.id))


@cache
def all_rules() -> tuple[Descriptor, ...]:
    """Every rule of every kind, sorted by id."""
    found = [r for kind in RULE_KINDS for r in descriptors_of(kind)]
    ids = [r.id for r in found]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuntimeError(f"duplicate rule ids: {sorted(dupes)}")
    return tuple(sorted(found, key=lambda r: r.id))


def rules_of(kind: str) -> tuple[Rule, ...]:
    """The rules of ``kind`` that have a check function, sorted by id."""
    return tuple(r for r in descriptors_of(kind) if isinstance(r, Rule))


def get_rule(rule_id: str) -> Descriptor | None:
    """The rule with this id (any case), importing only the kind that owns the id."""
    wanted = rule_id.upper()
    for kind, prefix in ID_PREFIXES.items():
        if wanted.startswith(prefix) and len(wanted) == len(prefix) + 2:
            return next((r for r in descriptors_of(kind) if r.id == wanted), None)
    return None


def run_rules(kind: str, context: Any) -> list[Finding]:
    """Apply every rule of ``kind`` to ``context``; findings in rule-id order."""
    out: list[Finding] = []
    for rule in rules_of(kind):
        out.extend(rule.check(context))
    return out
