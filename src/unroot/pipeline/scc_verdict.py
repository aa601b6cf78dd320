"""``unroot check --format scc-verdict``: one SCC admission request in, OpenShift's answer out.

The request is one JSON (or YAML) document: the namespace with its annotations, who asks (the
requesting user and the pod's service account, each with the SCCs it may use), every SCC that
exists, and the pod. The answer is one JSON object::

    {"allowed": true, "scc": "restricted-v2", "pod": {...}, "reasons": []}

``pod`` is the pod as admitted (``null`` when denied), ``reasons`` upstream's denial split into
the summary and one reason per line. This is the contract of the SCC conformance runner
(``shared/conformance/scc/check.py``) and a way to ask "what would OpenShift do with this pod"
from a script. The SCCs are taken exactly as given, without the API server's defaulting: a
request describes SCCs as admission sees them. The engine is :mod:`unroot.policy.scc.admission`,
the one ``unroot check`` and the admission webhook use.

Exit status: 0 allowed, 1 denied; a malformed request raises :class:`~unroot.errors.InputError`
(one line on stderr and exit 2 at the command line). Input is read by the same bounded loader
as every workload (:mod:`unroot.workload.load`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from unroot.errors import InputError

EXIT_ALLOW: Final = 0
EXIT_DENY: Final = 1


def answer_for_bundle(data: bytes, file: str = "<stdin>") -> tuple[dict[str, Any], int]:
    """The answer object and the exit code for one request (raises :class:`InputError` for a
    malformed one)."""
    from unroot.policy.scc.admission import Cluster, admit_pod
    from unroot.workload.load import decode, plain_documents

    try:
        docs = plain_documents(decode(data, file), file)
        if len(docs) != 1 or not isinstance(docs[0], Mapping):
            raise InputError(f"{file}: expected one request object (namespace, subject, sccs, pod)")
        request = docs[0]
        pod = _pod(request.get("pod"))
        namespace = _namespace(request.get("namespace"))
        subject = _subject(request.get("subject"))
        sccs = _sccs(request.get("sccs"))
        result = admit_pod(pod, cluster=Cluster(sccs), namespace=namespace, subject=subject)
    except RecursionError:
        raise InputError(f"{file}: input nested too deeply") from None
    answer = {
        "allowed": result.allowed,
        "scc": result.scc,
        "pod": result.pod if result.allowed else None,
        "reasons": result.reasons(),
    }
    return answer, EXIT_ALLOW if result.allowed else EXIT_DENY


def _pod(value: Any) -> dict[str, Any]:
    from unroot.policy.scc.admit import check_types

    if not isinstance(value, dict):
        raise InputError("pod: expected a Pod object")
    meta = value.get("metadata")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError("pod.metadata: expected a mapping")
    spec = value.get("spec")
    if not isinstance(spec, dict):
        raise InputError("pod.spec: expected a mapping")
    check_types(meta, spec, "")
    return {**value, "metadata": meta, "spec": spec}


def _namespace(value: Any) -> Any:
    from unroot.policy.scc.namespace import Namespace

    if not isinstance(value, Mapping) or not isinstance(value.get("name"), str):
        raise InputError("namespace: expected {name, annotations}")
    annotations = value.get("annotations") or {}
    if not isinstance(annotations, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in annotations.items()
    ):
        raise InputError("namespace.annotations: expected a mapping of strings")
    return Namespace(value["name"], dict(annotations))


def _names(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: expected a list of SCC names")
    return frozenset(value)


def _subject(value: Any) -> Any:
    from unroot.policy.scc.admission import Subject

    if not isinstance(value, Mapping):
        raise InputError("subject: expected {user, serviceAccount}")
    user = value.get("user")
    account = value.get("serviceAccount")
    for label, who in (("subject.user", user), ("subject.serviceAccount", account)):
        if who is not None and not isinstance(who, Mapping):
            raise InputError(f"{label}: expected a mapping or null")
    return Subject(
        user=_names(user.get("sccs") if user else None, "subject.user.sccs"),
        service_account=_names(
            account.get("sccs") if account else None, "subject.serviceAccount.sccs"
        ),
    )


def _sccs(value: Any) -> list[Any]:
    from unroot.policy.scc.profile import scc_from_object

    if not isinstance(value, list):
        raise InputError("sccs: expected a list of SecurityContextConstraints")
    out = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        scc = scc_from_object(item, f"sccs[{index}]", defaulted=False)
        if scc.name in seen:
            raise InputError(f"sccs[{index}]: SCC {scc.name!r} is listed twice")
        seen.add(scc.name)
        out.append(scc)
    return out
