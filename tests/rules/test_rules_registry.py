"""The image rules are all registered, documented, and their ids are pinned."""

import re

from unroot.findings import Category
from unroot.rules.base import RULE_KINDS, all_rules, rules_of

IMAGE_RULES = [
    "UR101", "UR102", "UR103", "UR104",
    "UR110", "UR111", "UR112",
    "UR120",
    "UR130", "UR131", "UR132", "UR133",
]  # fmt: skip


def test_image_rule_ids_are_pinned() -> None:
    assert [r.id for r in rules_of("image")] == IMAGE_RULES


def test_every_rule_is_documented() -> None:
    for rule in all_rules():
        assert re.fullmatch(r"UR\d{3}", rule.id), rule.id
        assert rule.kind in RULE_KINDS
        assert isinstance(rule.category, Category)
        for text in (rule.title, rule.rationale, rule.fix, rule.docs):
            assert text.strip(), rule.id
        assert callable(rule.check)


def test_image_rules_live_in_the_1xx_range() -> None:
    assert all(r.id.startswith("UR1") for r in rules_of("image"))
