"""One AdmissionReview in, one answer out: the decision, independent of HTTP.

Pods are evaluated on CREATE and when an ephemeral container is added: ``/mutate`` answers
with the JSON Patch that fills in what the chosen profile requires, ``/validate`` admits only a
pod that satisfies a profile as it is (so a later webhook cannot undo the mutation unseen).
The pod templates of workload kinds are evaluated for warnings only: the API server admits the
Deployment, and its pods are judged when they are created. Every denial, and every admission
under a profile other than ``restricted-v2``, is audited before the answer is sent; dry runs
have no side effects.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from unroot.admission import review as rv
from unroot.admission.engine import Engine, Outcome
from unroot.admission.exemptions import DEFAULT_PROFILE, Exemption, Policy, allowed_profiles
from unroot.admission.metrics import Metrics
from unroot.admission.namespaces import NoRange, RangeSource
from unroot.errors import UnrootError
from unroot.policy.scc import PROFILE_ANNOTATION
from unroot.workload.podspec import WORKLOAD_KINDS, pod_spec_of

FAILURE_MODES = ("deny", "allow")

Event = dict[str, Any]
"""An audit event: the fields of an audit record (kind, time, request_uid, namespace, subject,
groups, service_account, object, operation, decision, profile, reason, detail)."""


class AuditSink(Protocol):
    """Makes an event durable; the future fails when it could not (wired to the audit log by
    the CLI, so this package stays independent of the store)."""

    def submit(self, event: Event) -> Future[Any]: ...


EXEMPTION_ANNOTATION = "unroot.dev/exemption"


@dataclass(slots=True)
class PolicyState:
    """What a policy reload swaps in one assignment: the file and the engine built from it."""

    policy: Policy
    engine: Engine


class Admission:
    def __init__(
        self,
        state: PolicyState,
        ranges: RangeSource,
        audit: AuditSink | None,
        *,
        failure_mode: str = "deny",
        metrics: Metrics | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        if failure_mode not in FAILURE_MODES:
            raise ValueError(f"failure mode must be one of {FAILURE_MODES}")
        self.state = state
        self.ranges = ranges
        self.audit = audit
        self.failure_mode = failure_mode
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.policy_stamp: tuple[int, int, int] | None = None
        """(inode, mtime, size) of the policy file as last loaded, for reloads."""
        self.expired_seen: set[str] = set()
        """Exemptions whose expiry has been recorded."""

    async def answer(self, endpoint: str, body: bytes) -> bytes:
        started = time.perf_counter()
        decision, out = await self._answer(endpoint, body)
        self.metrics.observe(endpoint, decision, time.perf_counter() - started)
        return out

    def bad_request(self, endpoint: str, body: bytes, message: str) -> bytes:
        """A denial for a body the server would not read to the end (too large, too slow)."""
        self.metrics.observe(endpoint, "deny", 0.0)
        self.metrics.denials["malformed"] += 1
        return rv.encode(rv.recover_uid(body), False, message=message, code=400)

    async def _answer(self, endpoint: str, body: bytes) -> tuple[str, bytes]:
        try:
            review = rv.decode(body)
        except rv.BadReview as exc:
            self.metrics.denials["malformed"] += 1
            return "deny", rv.encode(exc.uid, False, message=str(exc), code=400)
        req = review.request
        assert req is not None
        api = review.apiVersion
        kind = req.kind.kind
        is_pod = kind == "Pod"
        if is_pod:
            # A pod is judged when created, and again when `kubectl debug` adds an ephemeral
            # container (an UPDATE of the pods/ephemeralcontainers subresource).
            judged = (req.operation == "CREATE" and not req.subResource) or (
                req.operation == "UPDATE" and req.subResource == "ephemeralcontainers"
            )
        else:
            judged = (
                kind in WORKLOAD_KINDS
                and not req.subResource
                and req.operation in ("CREATE", "UPDATE")
            )
        if not judged:
            return "allow", rv.encode(req.uid, True, api_version=api)
        obj = req.object
        if obj is None:
            return await self._deny(req, api, endpoint, "malformed", "request has no object", None)

        namespace = req.namespace or _namespace_of(obj)
        sa = _service_account(obj, namespace)
        state = self.state
        now = self.clock()
        grants = state.policy.grants(namespace, req.userInfo.username, req.userInfo.groups, sa, now)
        try:
            facts = self.ranges.facts(namespace, allocate_missing=not req.dryRun)
        except NoRange as exc:
            if not is_pod:
                return "allow", rv.encode(req.uid, True, api_version=api, warnings=[str(exc)])
            return await self._deny(req, api, endpoint, "no_uid_range", str(exc), obj, code=503)
        try:
            outcome = state.engine.evaluate(
                obj,
                allowed_profiles=allowed_profiles(grants),
                uid_range=facts.uid_range,
                namespace_annotations=facts.annotations,
            )
        except UnrootError as exc:
            message = f"cannot evaluate {kind}: {' '.join(str(exc).split())}"
            if not is_pod:
                return "allow", rv.encode(req.uid, True, api_version=api, warnings=[message])
            return await self._deny(req, api, endpoint, "malformed", message, obj, code=400)

        if not is_pod:
            return "allow", rv.encode(
                req.uid, True, api_version=api, warnings=_template_warnings(kind, outcome)
            )
        if not outcome.allowed:
            message = "no profile admits this pod: " + "; ".join(outcome.reasons)
            return await self._deny(req, api, endpoint, "forbidden", message, obj)
        if endpoint == "validate" and outcome.fields_to_fill:
            message = (
                f"profile {outcome.profile} admits this pod only with fields it lacks "
                f"({', '.join(outcome.fields_to_fill)}); was it changed after the mutating "
                "webhook ran?"
            )
            return await self._deny(req, api, endpoint, "not_mutated", message, obj)

        grant = _grant_for(grants, outcome.profile)
        annotations = {PROFILE_ANNOTATION: outcome.profile or ""}
        if grant is not None:
            annotations[EXEMPTION_ANNOTATION] = grant.name
        if outcome.profile != DEFAULT_PROFILE and not req.dryRun:
            record = self._record(req, "admission", endpoint, obj, "allow", grant, outcome)
            if not await self.write_record(record) and self.failure_mode == "deny":
                message = (
                    f"profile {outcome.profile} needs an audit record and the audit log cannot "
                    "be written; retry later"
                )
                self.metrics.denials["audit_unavailable"] += 1
                return "deny", rv.encode(
                    req.uid,
                    False,
                    api_version=api,
                    message=message,
                    code=503,
                    reason="ServiceUnavailable",
                )
        patch = None
        if endpoint == "mutate" and outcome.patch:
            patch = orjson.dumps(outcome.patch)
        return "allow", rv.encode(
            req.uid, True, api_version=api, patch=patch, audit_annotations=annotations
        )

    async def _deny(
        self,
        req: rv.Request,
        api: str,
        endpoint: str,
        reason: str,
        message: str,
        obj: dict[str, Any] | None,
        code: int = 403,
    ) -> tuple[str, bytes]:
        self.metrics.denials[reason] += 1
        if not req.dryRun:
            record = self._record(req, "denial", endpoint, obj, "deny", None, None)
            record["reason"] = message
            record["detail"]["reason_code"] = reason
            await self.write_record(record)
        status_reason = "ServiceUnavailable" if code == 503 else ""
        return "deny", rv.encode(
            req.uid, False, api_version=api, message=message, code=code, reason=status_reason
        )

    def _record(
        self,
        req: rv.Request,
        kind: str,
        endpoint: str,
        obj: dict[str, Any] | None,
        decision: str,
        grant: Exemption | None,
        outcome: Outcome | None,
    ) -> Event:
        name = req.name or (_name_of(obj) if obj else "")
        namespace = req.namespace or (_namespace_of(obj) if obj else "")
        detail: dict[str, Any] = {"endpoint": endpoint}
        if grant is not None:
            detail["exemption"] = grant.name
        if outcome is not None and outcome.patch and endpoint == "mutate":
            detail["patched_fields"] = outcome.fields_to_fill
        return {
            "kind": kind,
            "time": _rfc3339(self.clock()),
            "request_uid": req.uid,
            "namespace": namespace,
            "subject": req.userInfo.username,
            "groups": list(req.userInfo.groups),
            "service_account": _service_account(obj, namespace) if obj else "",
            "object": f"{req.kind.kind}/{name}" if name else req.kind.kind,
            "operation": req.operation,
            "decision": decision,
            "profile": (outcome.profile or "") if outcome else "",
            "reason": grant.reason if grant else "",
            "detail": detail,
        }

    async def write_record(self, record: Event) -> bool:
        """Durable before the answer; on failure the record goes to stderr (never silent)."""
        if self.audit is None:
            return True
        try:
            await asyncio.wrap_future(self.audit.submit(record))
        except Exception as exc:
            self.metrics.audit["failed"] += 1
            sys.stderr.write(
                orjson.dumps(
                    {
                        "audit_write_failed": str(exc),
                        "failure_mode": self.failure_mode,
                        "record": record,
                    }
                ).decode()
                + "\n"
            )
            sys.stderr.flush()
            return False
        self.metrics.audit["written"] += 1
        return True


def _grant_for(grants: list[Exemption], profile: str | None) -> Exemption | None:
    for g in grants:
        if g.profile == profile:
            return g
    return None


def _template_warnings(kind: str, outcome: Outcome) -> list[str]:
    if outcome.allowed:
        return []
    return [f"pods of this {kind} will be denied: {r}" for r in outcome.reasons[:10]]


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _name_of(obj: dict[str, Any]) -> str:
    meta = _meta(obj)
    name = meta.get("name") or meta.get("generateName") or ""
    return name if isinstance(name, str) else ""


def _namespace_of(obj: dict[str, Any]) -> str:
    ns = _meta(obj).get("namespace")
    return ns if isinstance(ns, str) and ns else "default"


def _service_account(obj: dict[str, Any] | None, namespace: str) -> str:
    """``namespace:name`` of the pod's service account (of the pod template for workloads)."""
    spec = obj.get("spec") if isinstance(obj, dict) else None
    if isinstance(obj, dict) and obj.get("kind") != "Pod":
        try:
            ref = pod_spec_of(obj)
        except UnrootError:
            ref = None
        spec = ref.spec if ref is not None else None
    sa = spec.get("serviceAccountName") if isinstance(spec, dict) else None
    if not isinstance(sa, str) or not sa:
        sa = "default"
    return f"{namespace}:{sa}"


def _rfc3339(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
