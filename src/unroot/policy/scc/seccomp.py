"""seccompProfiles: the profiles a pod may use, in annotation spelling, first one the default.

Upstream still speaks the deprecated annotation language (``runtime/default``,
``docker/default``, ``unconfined``, ``localhost/<file>``), translating the ``seccompProfile``
fields to and from it. An SCC without profiles (unset or empty) forbids setting any; ``*``
allows any; ``runtime/default`` and ``docker/default`` allow each other. When a pod sets no
profile, the first non-wildcard profile is filled in, both as the pod annotation
``seccomp.security.alpha.kubernetes.io/pod`` and as ``spec.securityContext.seccompProfile``.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.fielderr import FieldError, forbidden

POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
RUNTIME_DEFAULT = "runtime/default"
DOCKER_DEFAULT = "docker/default"
UNCONFINED = "unconfined"
LOCALHOST_PREFIX = "localhost/"


def annotation_for_field(profile: Any) -> str:
    """``{type: RuntimeDefault}`` -> ``runtime/default``; ``""`` for what has no spelling."""
    if not isinstance(profile, dict):
        return ""
    kind = profile.get("type")
    if kind == "Unconfined":
        return UNCONFINED
    if kind == "RuntimeDefault":
        return RUNTIME_DEFAULT
    if kind == "Localhost":
        name = profile.get("localhostProfile")
        if isinstance(name, str):
            return LOCALHOST_PREFIX + name
    return ""


def field_for_annotation(value: str) -> dict[str, str] | None:
    """``runtime/default`` -> ``{type: RuntimeDefault}``; ``None`` for an unknown value."""
    if value == UNCONFINED:
        return {"type": "Unconfined"}
    if value in (RUNTIME_DEFAULT, DOCKER_DEFAULT):
        return {"type": "RuntimeDefault"}
    if value.startswith(LOCALHOST_PREFIX) and len(value) > len(LOCALHOST_PREFIX):
        return {"type": "Localhost", "localhostProfile": value[len(LOCALHOST_PREFIX) :]}
    return None


# Field types whose annotation spelling needs nothing else (the fast path of validation).
_PLAIN_SPELLING = {"RuntimeDefault": RUNTIME_DEFAULT, "Unconfined": UNCONFINED}


def annotation_path(key: str) -> str:
    """Upstream's display path for a seccomp annotation (no provider prefix)."""
    return f"pod.metadata.annotations[{key}]"


def annotation_field(key: str) -> str:
    """The document path of an annotation (keys with dots and slashes are quoted)."""
    return f'metadata.annotations["{key}"]'


class Seccomp:
    __slots__ = ("accepted", "allow_any", "allowed", "listed", "runtime_default_allowed")

    def __init__(self, profiles: tuple[str, ...] | None) -> None:
        listed = profiles or ()
        self.allow_any = "*" in listed
        self.allowed = tuple(p for p in listed if p != "*")
        self.runtime_default_allowed = any(p in (RUNTIME_DEFAULT, DOCKER_DEFAULT) for p in listed)
        self.listed = "[" + " ".join(self.allowed) + "]"
        accepted = set(self.allowed)
        if self.runtime_default_allowed:
            accepted |= {RUNTIME_DEFAULT, DOCKER_DEFAULT}
        if not self.allowed:
            accepted.add("")
        self.accepted = frozenset(accepted)
        """Profiles that pass without a reason (the fast path of :meth:`check`)."""

    def generate(self, annotations: dict[str, Any] | None, psc: dict[str, Any] | None) -> str:
        field = psc.get("seccompProfile") if psc is not None else None
        if field is not None:
            return annotation_for_field(field)
        if annotations:
            current = annotations.get(POD_ANNOTATION)
            if current:
                return str(current)
        return self.allowed[0] if self.allowed else ""

    def check(self, profile: str, path: str, field: str, scc: str, out: list[FieldError]) -> None:
        if profile in self.accepted:
            return
        allowed = self.allowed
        if not self.allow_any and not allowed and profile:
            out.append(forbidden(path, "seccomp may not be set", field, scc))
            return
        if not allowed and not profile:
            return
        if self.allow_any:
            return
        if profile in allowed:
            return
        if self.runtime_default_allowed and profile in (RUNTIME_DEFAULT, DOCKER_DEFAULT):
            return
        detail = f"{profile} is not an allowed seccomp profile. Valid values are {self.listed}"
        out.append(forbidden(path, detail, field, scc))

    def validate_pod(
        self,
        annotations: dict[str, Any] | None,
        psc: dict[str, Any] | None,
        scc: str,
        out: list[FieldError],
    ) -> None:
        profile = str(annotations.get(POD_ANNOTATION) or "") if annotations else ""
        if profile and profile in self.accepted:
            return
        field = annotation_field(POD_ANNOTATION)
        own = psc.get("seccompProfile") if psc is not None else None
        if own is not None and (not profile or profile == annotation_for_field(own)):
            # the field is where the profile was set (the annotation may only mirror it)
            profile = annotation_for_field(own)
            field = "spec.securityContext.seccompProfile"
        self.check(profile, annotation_path(POD_ANNOTATION), field, scc, out)

    def validate_container(
        self,
        annotations: dict[str, Any] | None,
        container: dict[str, Any],
        csc: dict[str, Any] | None,
        psc: dict[str, Any] | None,
        container_field: str,
        scc: str,
        out: list[FieldError],
    ) -> None:
        if annotations is None:
            own = csc.get("seccompProfile") if csc is not None else None
            if own is None and psc is not None:
                own = psc.get("seccompProfile")
            kind = own.get("type") if own.__class__ is dict else None
            spelled = _PLAIN_SPELLING.get(kind) if kind is not None else ""
            if spelled is not None and spelled in self.accepted:
                return
        name = container.get("name")
        key = CONTAINER_ANNOTATION_PREFIX + (name if isinstance(name, str) else "")
        profile, field = _profile_for_container(annotations, key, csc, psc, container_field)
        self.check(profile, annotation_path(key), field, scc, out)


def _profile_for_container(
    annotations: dict[str, Any] | None,
    key: str,
    csc: dict[str, Any] | None,
    psc: dict[str, Any] | None,
    container_field: str,
) -> tuple[str, str]:
    """The container's profile in annotation spelling and the document path it comes from:
    its own field, its annotation, the pod's field, then the pod's annotation."""
    if csc is not None and csc.get("seccompProfile") is not None:
        field = f"{container_field}.securityContext.seccompProfile"
        return annotation_for_field(csc["seccompProfile"]), field
    if annotations and key in annotations:
        return str(annotations[key]), annotation_field(key)
    if psc is not None and psc.get("seccompProfile") is not None:
        return annotation_for_field(psc["seccompProfile"]), "spec.securityContext.seccompProfile"
    if annotations:
        return str(annotations.get(POD_ANNOTATION) or ""), annotation_field(POD_ANNOTATION)
    return "", annotation_field(POD_ANNOTATION)
