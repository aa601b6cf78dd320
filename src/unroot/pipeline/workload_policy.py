"""Policy decisions on workload documents -> Targets with findings that point at file:line.

Pure (no I/O): the CLI loads documents, this module asks the policy code (Pod Security or SCC
profiles) and turns each reason into a :class:`~unroot.findings.Finding` in the shared root-reason
vocabulary, with evidence carrying file, line, field and value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unroot.findings import Category, Evidence, Finding, Severity, Target, Verdict
from unroot.workload.load import Document, parse_field_path

# Pod Security check id -> root-reason category.
PSA_CATEGORIES: dict[str, Category] = {
    "runAsNonRoot": Category.NO_USER,
    "runAsUser": Category.NO_USER,
    "capabilities_baseline": Category.NEEDS_CAPABILITY,
    "capabilities_restricted": Category.NEEDS_CAPABILITY,
    "allowPrivilegeEscalation": Category.SETUID_BINARY,
}
"""Everything else (privileged, host namespaces/ports/paths, sysctls, SELinux, seccomp, AppArmor,
procMount, volume types, Windows host process, host probes) weakens host isolation:
``host_modification``."""

# Field name (last path component that matters) -> category, for SCC reasons and mutations.
_FIELD_CATEGORIES: dict[str, Category] = {
    "runAsUser": Category.NO_USER,
    "runAsNonRoot": Category.NO_USER,
    "runAsGroup": Category.NO_USER,
    "fsGroup": Category.NO_USER,
    "supplementalGroups": Category.NO_USER,
    "capabilities": Category.NEEDS_CAPABILITY,
    "allowPrivilegeEscalation": Category.SETUID_BINARY,
    "readOnlyRootFilesystem": Category.ROOT_OWNED_WRITABLE_PATHS,
}

USER_NAME_ANNOTATION = "unroot.dev/user-name"


def category_for_path(path: str) -> Category:
    for tok in reversed(parse_field_path(path)):
        if isinstance(tok, str) and tok in _FIELD_CATEGORIES:
            return _FIELD_CATEGORIES[tok]
    return Category.HOST_MODIFICATION


def rule_for_path(prefix: str, path: str) -> str:
    for tok in reversed(parse_field_path(path)):
        if isinstance(tok, str) and tok not in ("securityContext", "add", "drop", "type", "name"):
            return f"{prefix}-{tok}"
    return prefix


_MISSING = object()


def _step(cur: Any, tok: str | int) -> Any:
    if isinstance(tok, int):
        return cur[tok] if isinstance(cur, list) and 0 <= tok < len(cur) else _MISSING
    return cur[tok] if isinstance(cur, dict) and tok in cur else _MISSING


def _value_at(obj: Any, path: str) -> str | None:
    cur = obj
    for tok in parse_field_path(path):
        cur = _step(cur, tok)
        if cur is _MISSING:
            return None
    if isinstance(cur, dict | list):
        return None
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return None if cur is None else str(cur)


def evidence(doc: Document, path: str) -> Evidence:
    return Evidence(
        file=doc.file, line=doc.line_of(path), field=path, value=_value_at(doc.obj, path)
    )


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
        target.findings.append(
            Finding(
                rule=f"PSA-{r.check_id}",
                category=PSA_CATEGORIES.get(r.check_id, Category.HOST_MODIFICATION),
                severity=Severity.ERROR,
                message=message,
                evidence=tuple(evidence(doc, p) for p in r.field_paths) or (evidence(doc, ""),),
                fix="run `unroot check --fix` to fill in a restricted securityContext",
            )
        )
        target.reasons.append(message)
    if decision.allowed:
        target.reasons.append(f"allowed by Pod Security {level} {version}")
    return target


def scc_target(
    doc: Document,
    *,
    profiles: Mapping[str, Any],
    allowed_profiles: list[str],
    uid_range: Any,
    namespace_annotations: Mapping[str, Any] | None,
) -> tuple[Target, Any]:
    """(target, SCCDecision). Mutations become info findings; denials error findings."""
    from unroot.policy.scc import PROFILE_ANNOTATION, admit

    decision = admit(
        doc.obj,
        profiles=profiles,
        allowed_profiles=allowed_profiles,
        uid_range=uid_range,
        namespace_annotations=namespace_annotations,
    )
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
                    Finding(
                        rule="SCC-mutate",
                        category=category_for_path(leaf),
                        severity=Severity.INFO,
                        message=f"profile {decision.profile} sets {leaf} = {_short(value)}",
                        evidence=(
                            Evidence(
                                file=doc.file,
                                line=doc.line_of(leaf),
                                field=leaf,
                                value=_short(value),
                            ),
                        ),
                        data={"op": op["op"], "path": leaf, "value": value},
                    )
                )
    else:
        for r in decision.reasons:
            target.findings.append(
                Finding(
                    rule=rule_for_path("SCC", r.field_path),
                    category=category_for_path(r.field_path),
                    severity=Severity.ERROR,
                    message=f"profile {r.profile}: {r.message}",
                    evidence=(evidence(doc, r.field_path),),
                    fix="change the field, or allow a broader profile with --allow-profile",
                )
            )
            target.reasons.append(str(r))
    return target, decision


def psa_after_patch(doc: Document, decision: Any, level: str, version: str) -> list[Finding]:
    """Pod Security findings on the object as the SCC profile would admit it.

    For ``--profile-mode scc --level L``: proves the filled-in pod also meets Pod Security.
    """
    from unroot.policy import jsonpatch
    from unroot.policy.psa import evaluate
    from unroot.policy.scc.admit import copy_json

    if not decision.allowed:
        return []
    patched = jsonpatch.apply(copy_json(doc.obj), copy_json(decision.patch))
    result = evaluate(patched, level, version)
    out: list[Finding] = []
    for r in result.results:
        message = f"{r.reason}: {r.detail}" if r.detail else r.reason
        out.append(
            Finding(
                rule=f"PSA-{r.check_id}",
                category=PSA_CATEGORIES.get(r.check_id, Category.HOST_MODIFICATION),
                severity=Severity.ERROR,
                message=f"after profile {decision.profile} fills in defaults, Pod Security "
                f"{level} {version} still denies: {message}",
                evidence=tuple(evidence(doc, p) for p in r.field_paths) or (evidence(doc, ""),),
            )
        )
    return out


def _leaves(path: str, value: Any) -> list[tuple[str, Any]]:
    """Flatten an added subtree into (field path, scalar or list) pairs for reporting."""
    if isinstance(value, dict) and value:
        out: list[tuple[str, Any]] = []
        for key, sub in value.items():
            out.extend(_leaves(f"{path}.{key}", sub))
        return out
    return [(path, value)]


def _pointer_to_path(ptr: str) -> str:
    from unroot.policy.jsonpatch import split_pointer
    from unroot.workload.load import format_field_path

    tokens: list[str | int] = [int(t) if t.isdigit() else t for t in split_pointer(ptr)]
    return format_field_path(tokens)


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


def hint_findings(doc: Document, spec: Mapping[str, Any], prefix: str) -> list[Finding]:
    """Root reasons Pod Security does not look at: ports below 1024 and user names."""
    out: list[Finding] = []
    sc = spec.get("securityContext")
    sysctls = sc.get("sysctls") if isinstance(sc, dict) else None
    start = 1024
    for item in sysctls if isinstance(sysctls, list) else []:
        if isinstance(item, dict) and item.get("name") == "net.ipv4.ip_unprivileged_port_start":
            value = str(item.get("value", ""))
            start = int(value) if value.isdigit() else start
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        for ci, c in enumerate(items if isinstance(items, list) else []):
            if not isinstance(c, dict):
                continue
            csc = c.get("securityContext")
            caps = csc.get("capabilities") if isinstance(csc, dict) else None
            added = caps.get("add") if isinstance(caps, dict) else None
            has_cap = isinstance(added, list) and any(
                str(a).upper().removeprefix("CAP_") == "NET_BIND_SERVICE" for a in added
            )
            ports = c.get("ports")
            for pi, port in enumerate(ports if isinstance(ports, list) else []):
                number = port.get("containerPort") if isinstance(port, dict) else None
                if (
                    isinstance(number, int)
                    and not isinstance(number, bool)
                    and 0 < number < start
                    and not has_cap
                ):
                    path = f"{prefix}.{key}[{ci}].ports[{pi}].containerPort"
                    out.append(
                        Finding(
                            rule="UNROOT-low-port",
                            category=Category.LOW_PORT,
                            severity=Severity.WARNING,
                            message=(
                                f"container port {number} is below {start}: a non-root process "
                                "cannot bind it without NET_BIND_SERVICE"
                            ),
                            evidence=(evidence(doc, path),),
                            fix="listen on a port >= 1024 (map 80 to 8080 in the Service), or "
                            "add NET_BIND_SERVICE, or set net.ipv4.ip_unprivileged_port_start",
                            data={"port": number},
                        )
                    )
    meta = doc.obj.get("metadata") if isinstance(doc.obj, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if isinstance(annotations, dict) and isinstance(annotations.get(USER_NAME_ANNOTATION), str):
        name = annotations[USER_NAME_ANNOTATION]
        path = f'metadata.annotations["{USER_NAME_ANNOTATION}"]'
        out.append(
            Finding(
                rule="UNROOT-user-name",
                category=Category.NO_USER,
                severity=Severity.WARNING,
                message=(
                    f"user {name!r} is a name: Kubernetes needs a numeric UID, and with "
                    "runAsNonRoot the kubelet cannot verify a name is not root"
                ),
                evidence=(
                    Evidence(file=doc.file, line=doc.line_of(path), field="user", value=name),
                ),
                fix='use a numeric user (e.g. user: "1000:0")',
            )
        )
    return out


def image_user_findings(
    doc: Document, spec: Mapping[str, Any], prefix: str, images: Mapping[str, Target]
) -> list[Finding]:
    """Combine the pod's (possibly mutated) securityContext with each image's USER.

    ``runAsNonRoot: true`` without a runAsUser makes the kubelet check the image's user: a name
    cannot be verified (CreateContainerConfigError), and UID 0 is refused.
    """
    out: list[Finding] = []
    raw_psc = spec.get("securityContext")
    psc: Mapping[str, Any] = raw_psc if isinstance(raw_psc, dict) else {}
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        for ci, c in enumerate(items if isinstance(items, list) else []):
            if not isinstance(c, dict) or c.get("image") not in images:
                continue
            image = images[c["image"]]
            raw = c.get("securityContext")
            csc: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
            uid = csc.get("runAsUser", psc.get("runAsUser"))
            nonroot = csc.get("runAsNonRoot", psc.get("runAsNonRoot"))
            user = str(image.info.get("user") or "")
            name_part = user.partition(":")[0]
            path = f"{prefix}.{key}[{ci}]"
            if uid is not None or nonroot is not True:
                continue
            if name_part and not name_part.isdigit():
                message = (
                    f"kubelet will refuse to start container {c.get('name')!r}: runAsNonRoot is "
                    f"true and image {c['image']} runs as user {name_part!r}, a name, not a "
                    'number ("image has non-numeric user, cannot verify user is non-root")'
                )
            elif name_part in ("", "0"):
                message = (
                    f"kubelet will refuse to start container {c.get('name')!r}: runAsNonRoot is "
                    f"true and image {c['image']} runs as root (UID 0)"
                )
            else:
                continue
            out.append(
                Finding(
                    rule="UNROOT-image-user",
                    category=Category.NO_USER,
                    severity=Severity.ERROR,
                    message=message,
                    evidence=(evidence(doc, path + ".image"),),
                    fix="set securityContext.runAsUser to a numeric UID, or give the image a "
                    "numeric USER (unroot fix)",
                    data={"image": c["image"], "image_user": user},
                )
            )
    return out
