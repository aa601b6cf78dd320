"""UR001: a document that holds a pod but cannot be evaluated."""

from __future__ import annotations

from unroot.findings import Category, Descriptor, Severity

RULE = Descriptor(
    id="UR001",
    kind="input",
    category=Category.INPUT,
    severity=Severity.ERROR,
    title="object cannot be evaluated",
    rationale=(
        "A Pod or workload whose pod template is missing or has a field of the wrong type "
        "(a list where a mapping belongs, a string where a number belongs) would be rejected "
        "by the API server; unroot denies it instead of guessing."
    ),
    fix="correct the field the message names (kubectl apply --dry-run=server shows the same)",
    docs="Reported by `unroot check` for each such document; the other documents are still "
    "checked and the exit code is 2.",
)
