"""A read-only view of one pod that every check shares, built once per evaluation.

The view does the lookups every check would repeat (pod securityContext, the list of all
containers with their field paths and securityContexts) so that each check is a short loop.
It never copies the input: the mappings are the caller's, and checks must not modify them.
"""

from __future__ import annotations

import json
from typing import Any, Final

_EMPTY: Final[dict[str, Any]] = {}

# Container lists in the order upstream visits them (init, regular, ephemeral).
CONTAINER_FIELDS: Final = ("initContainers", "containers", "ephemeralContainers")


class ContainerView:
    """One container (init, regular or ephemeral) with its field path and securityContext."""

    __slots__ = ("container", "name", "path", "sc")

    def __init__(self, path: str, container: dict[str, Any]) -> None:
        self.path = path
        self.container = container
        name = container.get("name")
        self.name: str = name if isinstance(name, str) else ""
        sc = container.get("securityContext")
        self.sc: dict[str, Any] = sc if sc is not None else _EMPTY


class PodView:
    """What the checks read: metadata, spec, pod securityContext and all containers.

    Types are already validated (``shape.validate_pod``); ``null`` reads as absent.
    """

    __slots__ = ("annotations", "containers", "meta", "psc", "spec")

    def __init__(self, meta: dict[str, Any], spec: dict[str, Any]) -> None:
        self.meta = meta
        self.spec = spec
        annotations = meta.get("annotations")
        self.annotations: dict[str, Any] = annotations if annotations is not None else _EMPTY
        psc = spec.get("securityContext")
        self.psc: dict[str, Any] = psc if psc is not None else _EMPTY
        containers: list[ContainerView] = []
        for field in CONTAINER_FIELDS:
            items = spec.get(field)
            if items:
                for index, container in enumerate(items):
                    containers.append(ContainerView(f"spec.{field}[{index}]", container))
        self.containers: tuple[ContainerView, ...] = tuple(containers)

    def is_windows(self) -> bool:
        """``spec.os.name`` is ``windows``: Linux-only restrictions do not apply (from 1.25)."""
        os_ = self.spec.get("os")
        return os_ is not None and os_.get("name") == "windows"

    def in_user_namespace(self) -> bool:
        """``spec.hostUsers`` is explicitly false: the pod runs in its own user namespace."""
        return self.spec.get("hostUsers") is False


def pluralize(singular: str, plural: str, count: int) -> str:
    """Pick the word form for ``count`` items, so details read naturally."""
    return singular if count == 1 else plural


def join_quote(items: list[str] | tuple[str, ...]) -> str:
    """``"a", "b"``: names and values quoted the way Go's %q would show them."""
    return ", ".join(quote(item) for item in items)


def quote(text: str) -> str:
    """One string in double quotes with backslash escapes (like Go's %q), never multi-line."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # the common case, without the cost of json.dumps
    return json.dumps(text, ensure_ascii=False)


def containers_phrase(names: list[str]) -> str:
    """``container "a"`` or ``containers "a", "b"``."""
    return f"{pluralize('container', 'containers', len(names))} {join_quote(names)}"
