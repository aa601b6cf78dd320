"""What the strategies share: the container scope they work in and the error for bad options.

A strategy sees one container at a time through a :class:`ContainerScope`: the container's own
``securityContext`` (a working copy the strategy may change), the pod's, and the paths used in
reasons. Values are read the way Kubernetes' *effective* accessors read them (the container's
setting, else the pod's, for the fields a pod can set for all its containers), and written
only when they differ from the effective value, so a pod-level setting is never copied into
every container.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

# Fields a container inherits from the pod's securityContext when it does not set them.
INHERITED = frozenset(
    {"runAsUser", "runAsGroup", "runAsNonRoot", "seLinuxOptions", "seccompProfile"}
)


class StrategyError(ValueError):
    """An SCC's strategy options cannot be used (upstream's message, e.g. "MustRunAs requires
    a UID")."""


@dataclass(frozen=True, slots=True)
class SCCReason:
    """Why an SCC refuses a pod, for reports: the field in the document and the message.

    ``field_path`` is the document path of the offending field (workload prefix included),
    ``message`` upstream's text without the ``provider NAME:`` prefix, ``text`` the whole
    upstream reason.
    """

    field_path: str
    message: str
    profile: str | None = None
    text: str = ""

    def __str__(self) -> str:
        if self.text:
            return self.text
        who = f"profile {self.profile}: " if self.profile else ""
        return f"{who}{self.field_path}: {self.message}"


class ContainerScope:
    """One container during admission under one SCC.

    ``csc`` is the container's own securityContext (a working copy, ``None`` until something
    is set), ``psc`` the pod's. Reads follow Kubernetes' *effective* accessors: for the fields
    a pod sets for all its containers, the container's value, else the pod's. Paths for
    reasons are built only when a reason is.
    """

    __slots__ = ("container", "csc", "psc", "rel", "root")

    def __init__(
        self,
        container: dict[str, Any],
        psc: dict[str, Any] | None,
        root: str,
        rel: str,
    ) -> None:
        self.container = container
        sc = container.get("securityContext")
        self.csc: dict[str, Any] | None = sc if sc.__class__ is dict else None
        self.psc = psc
        self.root = root
        self.rel = rel

    @property
    def path(self) -> str:
        """Upstream display path of the container (``provider x: .containers[0]``)."""
        return f"{self.root}.{self.rel}"

    @property
    def field(self) -> str:
        """Document path of the container (``spec.containers[0]``)."""
        return f"spec.{self.rel}"

    def own(self, key: str) -> Any:
        csc = self.csc
        return csc.get(key) if csc is not None else None

    def effective(self, key: str) -> Any:
        csc = self.csc
        if csc is not None:
            value = csc.get(key)
            if value is not None:
                return value
        psc = self.psc
        return psc.get(key) if psc is not None else None

    def source(self, key: str) -> str:
        """Document path of the field that gives ``key`` its effective value."""
        csc = self.csc
        if csc is not None and csc.get(key) is not None:
            return f"spec.{self.rel}.securityContext.{key}"
        psc = self.psc
        if psc is not None and psc.get(key) is not None and key in INHERITED:
            return f"spec.securityContext.{key}"
        return f"spec.{self.rel}.securityContext.{key}"

    def ensure(self) -> dict[str, Any]:
        """The container's own securityContext, created (and attached) when missing."""
        csc = self.csc
        if csc is None:
            csc = self.csc = {}
            self.container["securityContext"] = csc
        return csc

    def set_effective(self, key: str, value: Any) -> None:
        """Set ``key`` on the container unless its effective value already equals ``value``
        (``None`` removes the container's own value)."""
        current = self.effective(key) if key in INHERITED else self.own(key)
        if current == value and type(current) is type(value):
            return
        if value is None:
            if self.csc is not None:
                self.csc.pop(key, None)
            return
        self.ensure()[key] = value


def working_copy(pod: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``pod`` deep enough for a provider to change: metadata, the spec, the pod's
    and each container's securityContext and the container lists are new objects; everything
    else (images, env, volumes, nested securityContext members, which are only ever replaced)
    is shared with ``pod``."""
    out = dict(pod)
    meta = pod.get("metadata")
    out["metadata"] = dict(meta) if isinstance(meta, dict) else {}
    spec = pod.get("spec")
    spec = dict(spec) if isinstance(spec, dict) else {}
    out["spec"] = spec
    psc = spec.get("securityContext")
    if isinstance(psc, dict):
        spec["securityContext"] = dict(psc)
    for key in CONTAINER_LISTS:
        items = spec.get(key)
        if items.__class__ is list:
            copied = []
            for container in items:
                if container.__class__ is dict:
                    container = dict(container)
                    csc = container.get("securityContext")
                    if csc.__class__ is dict:
                        container["securityContext"] = dict(csc)
                copied.append(container)
            spec[key] = copied
    return out
