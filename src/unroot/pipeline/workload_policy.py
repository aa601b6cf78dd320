"""Policy decisions on workload documents -> Targets with findings that point at file:line.

Pure (no I/O): for each document the workload pipeline hands in, ask the policy code (Pod
Security or SCC profiles) and turn each reason into a finding of the check's descriptor, with
evidence carrying file, line, field and value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unroot.findings import Category, Evidence, Finding, Target, Verdict
from unroot.policy.psa import ForbiddenReason, PSADecision
from unroot.policy.psa.descriptors import descriptor as psa_descriptor
from unroot.policy.scc import SCCDecision, SCCReason
from unroot.policy.scc.checks import MUTATE, check_for
from unroot.policy.scc.checks import descriptor as scc_descriptor
from unroot.policy.uidrange import UIDRange
from unroot.untrusted import is_decimal
from unroot.workload.context import field_evidence, value_at
from unroot.workload.load import Document
from unroot.workload.podspec import join_path


def base_target(doc: Document, verdict: Verdict) -> Target:
    info: dict[str, Any] = {"file": doc.file, "line": doc.line_of("")}
    if doc.source:
        info["helm_source"] = doc.source
    return Target(
        ref=f"{doc.file}:{info['line']} {doc.ref}", kind="workload", verdict=verdict, info=info
    )


def psa_target(doc: Document, level: str, version: str) -> Target:
    from unroot.policy.psa import evaluate

    decision = evaluate(doc.obj, level, version)
    target = base_target(doc, Verdict.ALLOW if decision.allowed else Verdict.DENY)
    target.info.update({"mode": "psa", "level": level, "version": version})
    for r in decision.results:
        message = f"{r.reason}: {r.detail}" if r.detail else r.reason
        target.findings.append(_psa_finding(doc, r, message))
        target.reasons.append(message)
    if decision.allowed:
        target.reasons.append(f"allowed by Pod Security {level} {version}")
    return target


def scc_target(
    doc: Document,
    decision: SCCDecision,
    *,
    allowed_profiles: Sequence[str],
    uid_range: UIDRange | None,
) -> Target:
    """The target of an SCC decision: mutations become info findings, refusals error findings.

    The decision comes from :func:`unroot.pipeline.workload.admit_object`, the one call into
    the profiles that ``check`` and the admission webhook share.
    """
    from unroot.policy.scc import PROFILE_ANNOTATION

    target = base_target(doc, Verdict.ALLOW if decision.allowed else Verdict.DENY)
    target.info.update({"mode": "scc", "profiles_allowed": list(allowed_profiles)})
    if uid_range is not None:
        target.info["uid_range"] = str(uid_range)
    if decision.allowed:
        target.info["profile"] = decision.profile
        target.info["patch"] = decision.patch
        target.reasons.append(f"admitted under profile {decision.profile}")
        for op in decision.patch:
            path = _pointer_to_path(op["path"])
            if PROFILE_ANNOTATION.replace("/", "~1") in op["path"] or path.endswith("annotations"):
                continue
            for leaf, value in _leaves(path, op["value"]):
                target.findings.append(
                    MUTATE.finding(
                        f"profile {decision.profile} sets {leaf} = {_short(value)}",
                        Evidence(
                            file=doc.file, line=doc.line_of(leaf), field=leaf, value=_short(value)
                        ),
                        category=check_for(leaf).category,
                        fix="",
                        data={"op": op["op"], "path": leaf, "value": value},
                    )
                )
    else:
        for r in decision.reasons:
            target.findings.append(_scc_finding(doc, r))
            target.reasons.append(str(r))
    return target


def _psa_finding(
    doc: Document, r: ForbiddenReason, message: str, fix: str | None = None
) -> Finding:
    evidence = tuple(field_evidence(doc, p) for p in r.field_paths)
    return psa_descriptor(r.check_id).finding(
        message, *(evidence or (field_evidence(doc, ""),)), fix=fix
    )


def _scc_finding(doc: Document, r: SCCReason) -> Finding:
    """A refusal; runAsUser 0 is in the ``no_user`` category (the pod asks for root)."""
    rule = scc_descriptor(r.field_path)
    root = rule.id == "SCC-runAsUser" and value_at(doc.obj, r.field_path) == "0"
    return rule.finding(
        f"profile {r.profile}: {r.message}",
        field_evidence(doc, r.field_path),
        category=Category.NO_USER if root else None,
    )


def psa_on_admitted(obj: object, decision: SCCDecision, level: str, version: str) -> PSADecision:
    """Pod Security on ``obj`` as the profile admits it (its patch applied to a copy).

    For ``--profile-mode scc --level L`` and a webhook policy's ``podSecurity``: proves the
    filled-in pod also meets Pod Security. ``decision`` must allow.
    """
    from unroot.policy import jsonpatch
    from unroot.policy.psa import evaluate
    from unroot.policy.scc.admit import copy_json

    patched = jsonpatch.apply(copy_json(obj), copy_json(decision.patch)) if decision.patch else obj
    return evaluate(patched, level, version)


def psa_after_patch(
    doc: Document, profile: str | None, result: PSADecision, level: str, version: str
) -> list[Finding]:
    """Findings for what Pod Security still forbids once ``profile`` has filled in defaults
    (``result`` from :func:`psa_on_admitted`)."""
    out: list[Finding] = []
    for r in result.results:
        message = f"{r.reason}: {r.detail}" if r.detail else r.reason
        out.append(
            _psa_finding(
                doc,
                r,
                f"after profile {profile} fills in defaults, Pod Security "
                f"{level} {version} still denies: {message}",
                fix="",
            )
        )
    return out


def _leaves(path: str, value: Any) -> list[tuple[str, Any]]:
    """Flatten an added subtree into (field path, scalar or list) pairs for reporting."""
    if isinstance(value, dict) and value:
        out: list[tuple[str, Any]] = []
        for key, sub in value.items():
            out.extend(_leaves(join_path(path, key), sub))
        return out
    return [(path, value)]


def _pointer_to_path(ptr: str) -> str:
    from unroot.policy.jsonpatch import split_pointer

    return join_path("", *(int(t) if is_decimal(t) else t for t in split_pointer(ptr)))


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = '"' + value + '"' if len(value) < 118 else value
    elif isinstance(value, bool) or value is None:
        text = "null" if value is None else ("true" if value else "false")
    elif isinstance(value, int):
        text = str(value)
    else:
        import orjson

        text = orjson.dumps(value, default=str).decode()
    return text if len(text) <= 120 else text[:117] + "..."
