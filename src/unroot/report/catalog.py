"""The catalogue of rule ids the renderers describe: registered rules, Pod Security checks and
SCC checks, each loaded only when an id of its kind is asked for."""

from __future__ import annotations

from unroot.findings import Descriptor


def describe(rule_id: str) -> Descriptor | None:
    """The descriptor of ``rule_id`` (any case), or None for an id no check emits."""
    wanted = rule_id.upper()
    if wanted.startswith(("PSA-", "SCC-")):
        if wanted.startswith("PSA-"):
            from unroot.policy.psa.descriptors import descriptors as table
        else:
            from unroot.policy.scc.checks import descriptors as table
        found = table().get(rule_id)
        return found or next((d for i, d in table().items() if i.upper() == wanted), None)
    from unroot.rules.base import get_rule

    return get_rule(rule_id)


def all_descriptors() -> list[Descriptor]:
    """Every rule id unroot can emit: the rules by id, then Pod Security, then SCC."""
    from unroot.policy.psa.descriptors import descriptors as psa
    from unroot.policy.scc.checks import descriptors as scc
    from unroot.rules.base import all_rules

    return [*all_rules(), *sorted(psa().values(), key=_id), *sorted(scc().values(), key=_id)]


def _id(descriptor: Descriptor) -> str:
    return descriptor.id
