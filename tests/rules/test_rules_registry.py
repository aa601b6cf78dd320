"""Every rule is registered, documented, and its id is pinned in its kind's range."""

import re

from unroot.findings import Category, Descriptor
from unroot.rules.base import ID_PREFIXES, RULE_KINDS, Rule, all_rules, get_rule, rules_of

IMAGE_RULES = [
    "UR101", "UR102", "UR103", "UR104",
    "UR110", "UR111", "UR112",
    "UR120",
    "UR130", "UR131", "UR132", "UR133",
]  # fmt: skip
WORKLOAD_RULES = ["UR501", "UR502", "UR503"]
RUNTIME_RULES = ["UR601", "UR602", "UR603", "UR604", "UR605", "UR606"]
INPUT_DESCRIPTORS = ["UR001", "UR002"]


def test_rule_ids_are_pinned() -> None:
    assert [r.id for r in rules_of("image")] == IMAGE_RULES
    assert [r.id for r in rules_of("workload")] == WORKLOAD_RULES
    assert [r.id for r in rules_of("runtime")] == RUNTIME_RULES
    assert [r.id for r in all_rules() if r.kind == "input"] == INPUT_DESCRIPTORS
    assert rules_of("input") == ()  # descriptors only: the pipelines emit them


def test_every_rule_is_documented() -> None:
    for rule in all_rules():
        assert isinstance(rule, Descriptor)
        assert re.fullmatch(r"UR\d{3}", rule.id), rule.id
        assert rule.kind in RULE_KINDS
        assert rule.id.startswith(ID_PREFIXES[rule.kind]), rule.id
        assert isinstance(rule.category, Category)
        for text in (rule.title, rule.rationale, rule.fix, rule.docs):
            assert text.strip(), rule.id
        if rule.kind != "input":
            assert isinstance(rule, Rule) and callable(rule.check), rule.id


def test_get_rule_finds_every_rule_by_its_prefix() -> None:
    for rule in all_rules():
        assert get_rule(rule.id.lower()) is rule
    assert get_rule("UR999") is None
    assert get_rule("UR10") is None
