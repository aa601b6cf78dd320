"""The restricted run profile, as a :class:`RunSpec`, and the ``podman run`` line users can reuse.

Restricted: an arbitrary UID from the OpenShift-style range with GID 0, ``--cap-drop=ALL`` and
``--security-opt no-new-privileges`` (what OpenShift's ``restricted-v2`` SCC enforces).
User-namespaced (``--userns``): the image's own user, usually root, with podman's default
capability set, inside a user namespace, so that UID 0 in the container is an unprivileged UID
on the host: ``--userns=auto`` for rootful podman (subordinate ranges of the ``containers``
user), and rootless podman's own namespace otherwise.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from unroot.errors import UsageError
from unroot.runtime.hostconf import PodmanSettings
from unroot.runtime.labels import PortPair
from unroot.runtime.podman import PortMapping, RunSpec

DEFAULT_UID = 1000680000
"""The first UID of OpenShift's default namespace range (``1000680000/10000``)."""
ROOTLESS_UID_MARGIN = 1000
USERNS_SIZE = 65536
"""A whole 16-bit ID space. Without a size, podman sizes the namespace from the image's
/etc/passwd and /etc/group: an image listing UID 1000680000 cannot start at all, and one whose
daemon switches to nobody (65534) cannot map it."""
SESSION_LABEL = "io.unroot.session"
"""Every container unroot starts carries this label, so a leaked one can always be found."""


@dataclass(frozen=True, slots=True)
class Published:
    """A container port published on ``host_ip:host_port`` of the host."""

    host_port: int
    container_port: int
    proto: str = "tcp"
    host_ip: str = "127.0.0.1"

    def mapping(self) -> PortMapping:
        return PortMapping(self.host_port, self.container_port, self.host_ip, self.proto)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What ``unroot run``/``verify`` were asked for, before it becomes podman arguments."""

    image: str
    """A reference podman can run from local storage."""
    uid: int | None = None
    """None: :data:`DEFAULT_UID` (restricted) or the image's own user (``userns``)."""
    userns: bool = False
    read_only: bool = False
    tmpfs: tuple[str, ...] = ()
    published: tuple[Published, ...] = ()
    command: tuple[str, ...] = ()
    entrypoint: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


def default_uid(rootless: bool, subuid_count: int) -> int:
    """The UID ``--uid auto`` means: 1000680000, or one a rootless user namespace can hold."""
    if not rootless:
        return DEFAULT_UID
    if subuid_count <= ROOTLESS_UID_MARGIN:
        raise UsageError(
            "rootless podman needs subordinate UIDs for this user in /etc/subuid to run as an "
            "arbitrary UID (e.g. 'USER:100000:65536')"
        )
    return min(DEFAULT_UID, subuid_count - ROOTLESS_UID_MARGIN)


def build_spec(
    opts: RunOptions, *, rootless: bool, subuid_count: int = 0, detach: bool = False
) -> RunSpec:
    """The ``podman run`` of ``opts`` under the restricted (or user-namespaced) profile."""
    extra: list[str] = []
    if opts.userns:
        user = None if opts.uid is None else f"{opts.uid}:0"
        cap_drop: tuple[str, ...] = ()
        if not rootless:
            extra.append(f"--userns=auto:size={USERNS_SIZE}")
    else:
        uid = opts.uid if opts.uid is not None else default_uid(rootless, subuid_count)
        user = f"{uid}:0"
        cap_drop = ("ALL",)
    tmpfs = tuple(dict.fromkeys(opts.tmpfs)) if opts.read_only else ()
    return RunSpec(
        image=opts.image,
        command=opts.command,
        user=user,
        cap_drop=cap_drop,
        security_opts=("no-new-privileges",),
        ports=tuple(p.mapping() for p in opts.published),
        env=dict(opts.env),
        entrypoint=opts.entrypoint,
        read_only=opts.read_only,
        tmpfs=tmpfs,
        name=opts.name,
        detach=detach,
        remove=False,
        labels=dict(opts.labels),
        extra_args=tuple(extra),
    )


def publish_pairs(pairs: Sequence[PortPair], host_ip: str = "") -> tuple[Published, ...]:
    """``io.unroot.ports``/``-p`` pairs as published ports (host port as written)."""
    return tuple(Published(p.host, p.container, p.proto, host_ip) for p in pairs)


def equivalent_command(spec: RunSpec, *, remove: bool = True, interactive: bool = False) -> str:
    """The plain ``podman run`` line for ``spec``: what a user types to get the same container.

    Internal labels are left out; ``--rm`` is shown because unroot always removes the container.
    """
    args = spec.to_args()
    out: list[str] = ["podman", "run"]
    if remove:
        out.append("--rm")
    if interactive:
        out.append("-it")
    skip_next = False
    for i, arg in enumerate(args[1:], start=1):
        if skip_next:
            skip_next = False
            continue
        if arg == "--label" and args[i + 1].startswith(SESSION_LABEL + "="):
            skip_next = True
            continue
        if arg == "--name" and args[i + 1].startswith("unroot-"):
            skip_next = True
            continue
        out.append(arg)
    return shlex.join(out)


def host_note(settings: PodmanSettings, conf_path: str | None) -> str | None:
    """What unroot adds on this host to make the same command work (None on an ordinary host)."""
    parts: list[str] = []
    if settings.global_args:
        parts.append("global flags " + " ".join(settings.global_args))
    if conf_path:
        parts.append(f"CONTAINERS_CONF={conf_path}")
    if not parts:
        return None
    why = "; ".join(settings.notes)
    return "on this host unroot also passes " + " and ".join(parts) + (f" ({why})" if why else "")
