"""One SCC made ready for one namespace, and applied to one pod: fill in, then validate.

:class:`Provider` is upstream's "provider": the SCC with its open ranges and level taken from
the namespace and its strategies built. Building it can fail (a missing namespace annotation,
an SCC whose options do not make sense, like MustRunAs without ``uid``); the error text is
upstream's.

:meth:`Provider.apply` works on a pod the caller has copied (see
:func:`unroot.policy.scc.context.working_copy`): first the pod's securityContext is filled in
(supplemental groups, fsGroup, SELinux options, the seccomp profile and its annotation) and
checked, then each init, regular and ephemeral container in turn is filled in (runAsUser,
runAsNonRoot, capabilities, readOnlyRootFilesystem, allowPrivilegeEscalation, seccomp from its
annotation) and checked. Every reason is collected; the pod is admitted under this SCC only if
there are none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import unroot.policy.scc.capabilities as capabilities
import unroot.policy.scc.groups as groups
import unroot.policy.scc.run_as_user as run_as_user
import unroot.policy.scc.seccomp as seccomp
import unroot.policy.scc.selinux as selinux
from unroot.policy.scc.context import (
    CONTAINER_LISTS,
    ContainerScope,
    StrategyError,
    working_copy,
)
from unroot.policy.scc.fielderr import NULL, FieldError, go_value, invalid
from unroot.policy.scc.model import REQUIRE_POD_LEVEL, SCC, SELinuxOptions
from unroot.policy.scc.namespace import (
    Namespace,
    PreallocationError,
    fs_group_ranges,
    selinux_level,
    supplemental_group_ranges,
    uid_range,
)
from unroot.policy.scc.sysctls import Sysctls
from unroot.policy.scc.volumes import Volumes, volume_type


class ProviderError(ValueError):
    """The SCC cannot be used in this namespace (upstream's message)."""


_HOST_NAMESPACES = (
    ("hostNetwork", "allow_host_network", "Host network is not allowed to be used"),
    ("hostPID", "allow_host_pid", "Host PID is not allowed to be used"),
    ("hostIPC", "allow_host_ipc", "Host IPC is not allowed to be used"),
)


class Provider:
    """An SCC ready to admit pods of one namespace."""

    __slots__ = (
        "caps",
        "fs_group",
        "generated_selinux",
        "generated_uid",
        "host_checks",
        "name",
        "pod_path",
        "require_host_users_false",
        "root",
        "run_as_user",
        "scc",
        "seccomp",
        "selinux",
        "supplemental",
        "sysctls",
        "volumes",
    )

    def __init__(self, scc: SCC, ns: Namespace) -> None:
        self.scc = scc
        self.name = scc.name
        self.root = f"provider {scc.name}: "
        self.pod_path = self.root + ".spec.securityContext"

        def fail(what: str, err: Exception) -> ProviderError:
            return ProviderError(
                f"unable to find pre-allocated {what} annotation for namespace {ns.name} "
                f"while trying to configure SCC {scc.name}: {err}"
            )

        low, high = scc.uid_range_min, scc.uid_range_max
        if scc.run_as_user_type == "MustRunAsRange" and low is None and high is None:
            try:
                rng = uid_range(ns)
            except PreallocationError as exc:
                raise fail("uid", exc) from None
            low, high = rng.min, rng.max
        options = scc.selinux_options
        check_level = True
        if scc.selinux_type == "MustRunAs" and (options is None or not options.level):
            try:
                level = selinux_level(ns)
            except PreallocationError as exc:
                raise fail("mcs", exc) from None
            base = options or SELinuxOptions()
            if level is None:
                check_level = False
                options = base
            else:
                options = SELinuxOptions(base.user, base.role, base.type, level)
        fs_ranges = scc.fs_group_ranges
        if scc.fs_group_type == "MustRunAs" and not fs_ranges:
            try:
                fs_ranges = fs_group_ranges(ns)
            except PreallocationError as exc:
                raise fail("group", exc) from None
        sup_ranges = scc.supplemental_groups_ranges
        if scc.supplemental_groups_type == "MustRunAs" and not sup_ranges:
            try:
                sup_ranges = supplemental_group_ranges(ns)
            except PreallocationError as exc:
                raise fail("group", exc) from None
        try:
            self.run_as_user = run_as_user.create(scc, low, high)
            self.selinux = selinux.create(scc.selinux_type, options, check_level)
            self.fs_group = groups.create(scc.fs_group_type, fs_ranges, "fsGroup")
            self.supplemental = groups.create(
                scc.supplemental_groups_type, sup_ranges, "supplementalGroups"
            )
        except StrategyError as exc:
            raise ProviderError(
                f"error creating provider for SCC {scc.name} in namespace {ns.name}: {exc}"
            ) from None
        self.caps = capabilities.Capabilities(
            scc.default_add_capabilities,
            scc.required_drop_capabilities,
            scc.allowed_capabilities,
        )
        self.seccomp = seccomp.Seccomp(scc.seccomp_profiles)
        self.sysctls = Sysctls(scc.allowed_unsafe_sysctls, scc.forbidden_sysctls)
        self.volumes = Volumes(scc.volumes, scc.allowed_flex_volumes)
        self.host_checks = tuple(
            (key, message) for key, attr, message in _HOST_NAMESPACES if not getattr(scc, attr)
        )
        self.require_host_users_false = scc.user_namespace_level == REQUIRE_POD_LEVEL
        self.generated_uid = self.run_as_user.generate()
        self.generated_selinux = self.selinux.generated if self.selinux is not None else None

    def _refuses_as_given(self, pod: Mapping[str, Any]) -> bool:
        """A reason :meth:`apply` would give whatever it fills in: host namespaces, privileged
        containers, host ports, added capabilities it does not allow, an explicit container
        UID outside a MustRunAs* strategy, volume types it does not allow."""
        scc = self.scc
        spec = pod.get("spec")
        if spec.__class__ is not dict:
            return False
        for key, _message in self.host_checks:
            if spec.get(key) is True:
                return True
        volumes = spec.get("volumes")
        if volumes and not self.volumes.allow_all:
            for volume in volumes:
                if volume.__class__ is dict and not self.volumes.allows(
                    volume_type(volume)[0], volume
                ):
                    return True
        strategy = self.run_as_user
        for key in CONTAINER_LISTS:
            items = spec.get(key)
            if not items or items.__class__ is not list:
                continue
            for container in items:
                if container.__class__ is not dict:
                    continue
                if not scc.allow_host_ports:
                    for port in container.get("ports") or ():
                        host_port = port.get("hostPort") if port.__class__ is dict else None
                        if isinstance(host_port, int) and host_port > 0:
                            return True
                csc = container.get("securityContext")
                if csc.__class__ is not dict:
                    continue
                if not scc.allow_privileged_container and csc.get("privileged") is True:
                    return True
                uid = csc.get("runAsUser")
                if uid is not None and not strategy.accepts(uid):
                    return True
                caps = csc.get("capabilities")
                if caps.__class__ is dict and self.caps.refuses_added(caps.get("add")):
                    return True
        return False

    # --- the pod ---------------------------------------------------------------------

    def admits(self, pod: Mapping[str, Any]) -> bool:
        """Whether :meth:`apply` would find no reason in a copy of ``pod`` (it first looks for
        the reasons that filling in cannot remove, then stops at the first reason)."""
        if self._refuses_as_given(pod):
            return False
        try:
            self.apply(working_copy(pod), _StopAtFirst())
        except _Refused:
            return False
        return True

    def apply(self, pod: dict[str, Any], out: list[FieldError] | None = None) -> list[FieldError]:
        """Fill in and validate ``pod`` (a working copy) in place; the reasons it fails."""
        if out is None:
            out = []
        meta = pod["metadata"]
        spec = pod["spec"]
        raw = spec.get("securityContext")
        psc = raw if isinstance(raw, dict) else None
        psc, annotations = self._fill_pod(spec, psc, meta)
        self._validate_pod(spec, psc, annotations, out)
        for key in CONTAINER_LISTS:
            items = spec.get(key)
            if not items or items.__class__ is not list:
                continue
            for index, container in enumerate(items):
                if container.__class__ is not dict:
                    continue
                scope = ContainerScope(container, psc, self.root, f"{key}[{index}]")
                uid, nonroot, options = self._fill_container(scope, annotations)
                self._validate_container(scope, uid, nonroot, options, annotations, out)
        return out

    def _fill_pod(
        self, spec: dict[str, Any], psc: dict[str, Any] | None, meta: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        if self.supplemental is not None and (psc is None or psc.get("supplementalGroups") is None):
            psc = _ensure_psc(spec, psc)
            psc["supplementalGroups"] = [self.supplemental.first()]
        if self.fs_group is not None and (psc is None or psc.get("fsGroup") is None):
            psc = _ensure_psc(spec, psc)
            psc["fsGroup"] = self.fs_group.first()
        if self.selinux is not None and (psc is None or psc.get("seLinuxOptions") is None):
            generated = self.selinux.generate()
            if generated is not None:
                psc = _ensure_psc(spec, psc)
                psc["seLinuxOptions"] = generated
        raw = meta.get("annotations")
        annotations = dict(raw) if isinstance(raw, dict) else None
        profile = self.seccomp.generate(annotations, psc)
        if profile:
            if annotations is None:
                annotations = {}
            annotations[seccomp.POD_ANNOTATION] = profile
            value = seccomp.field_for_annotation(profile)
            if value is not None:
                psc = _ensure_psc(spec, psc)
                psc["seccompProfile"] = value
            elif psc is not None:
                psc.pop("seccompProfile", None)
        if annotations is not None:
            meta["annotations"] = annotations
        return psc, annotations

    def _validate_pod(
        self,
        spec: dict[str, Any],
        psc: dict[str, Any] | None,
        annotations: dict[str, Any] | None,
        out: list[FieldError],
    ) -> None:
        name = self.name
        pod_path = self.pod_path
        fs_group = self.fs_group
        if fs_group is not None:
            fs = psc.get("fsGroup") if psc is not None else None
            if fs is None or not fs_group.allows(fs):
                fs_group.validate(None if fs is None else [fs], pod_path, name, out)
        if self.supplemental is not None:
            sup = psc.get("supplementalGroups") if psc is not None else None
            self.supplemental.validate(sup, pod_path, name, out)
        if not self.seccomp.allow_any:
            self.seccomp.validate_pod(annotations, psc, name, out)
        given = psc.get("seLinuxOptions") if psc is not None else None
        if self.selinux is not None and (given is None or not self.selinux.matches(given)):
            self.selinux.validate(
                given,
                pod_path + ".seLinuxOptions",
                "spec.securityContext.seLinuxOptions",
                name,
                out,
            )
        for key, message in self.host_checks:
            if spec.get(key) is True:
                out.append(invalid(f"{pod_path}.{key}", "true", message, f"spec.{key}", name))
        if self.require_host_users_false:
            host_users = spec.get("hostUsers")
            if host_users is not False:
                out.append(
                    invalid(
                        pod_path + ".hostUsers",
                        go_value(host_users),
                        "Host Users must be set to false",
                        "spec.hostUsers",
                        name,
                    )
                )
        if psc is not None and psc.get("sysctls"):
            self.sysctls.validate(psc, name, out)
        volumes = spec.get("volumes")
        if volumes:
            self.volumes.validate(volumes, self.root, name, out)

    # --- each container ---------------------------------------------------------------

    def _fill_container(
        self, scope: ContainerScope, annotations: dict[str, Any] | None
    ) -> tuple[Any, Any, Any]:
        """Fill in the container; its effective runAsUser, runAsNonRoot and seLinuxOptions.

        A container without a securityContext gets one only if something is set in it."""
        csc = scope.csc
        psc = scope.psc
        if csc is not None:
            uid = csc.get("runAsUser")
            options = csc.get("seLinuxOptions")
            nonroot = csc.get("runAsNonRoot")
            current = csc.get("capabilities")
        else:
            uid = options = nonroot = current = None
            csc = scope.csc = {}
        if psc is not None:
            if uid is None:
                uid = psc.get("runAsUser")
            if options is None:
                options = psc.get("seLinuxOptions")
            if nonroot is None:
                nonroot = psc.get("runAsNonRoot")
        if uid is None:
            uid = self.generated_uid
            if uid is not None:
                csc["runAsUser"] = uid
        if options is None and self.generated_selinux is not None:
            options = csc["seLinuxOptions"] = dict(self.generated_selinux)
        if nonroot is None and (
            (uid is None and self.run_as_user.kind == "MustRunAsNonRoot")
            or (uid is not None and uid > 0)
        ):
            nonroot = csc["runAsNonRoot"] = True
        caps = self.caps.generate(current)
        if caps is not current:
            csc["capabilities"] = caps
        scc = self.scc
        if scc.read_only_root_filesystem and csc.get("readOnlyRootFilesystem") is None:
            csc["readOnlyRootFilesystem"] = True
        if annotations:
            name = scope.container.get("name")
            key = seccomp.CONTAINER_ANNOTATION_PREFIX + (name if isinstance(name, str) else "")
            if key in annotations:
                scope.set_effective(
                    "seccompProfile", seccomp.field_for_annotation(str(annotations[key]))
                )
        if csc.get("allowPrivilegeEscalation") is None:
            default = scc.default_allow_privilege_escalation
            if (
                default is not None
                and csc.get("privileged") is not True
                and not (caps.__class__ is dict and "CAP_SYS_ADMIN" in (caps.get("add") or ()))
            ):
                csc["allowPrivilegeEscalation"] = default
            elif scc.allow_privilege_escalation is False:
                csc["allowPrivilegeEscalation"] = False
        if csc:
            scope.container["securityContext"] = csc
        return uid, nonroot, options

    def _validate_container(
        self,
        scope: ContainerScope,
        uid: Any,
        nonroot: Any,
        options: Any,
        annotations: dict[str, Any] | None,
        out: list[FieldError],
    ) -> None:
        scc = self.scc
        name = self.name
        csc = scope.csc
        self.run_as_user.validate(uid, nonroot, scope, name, out)
        if self.selinux is not None and (options is None or not self.selinux.matches(options)):
            self.selinux.validate(
                options,
                scope.path + ".seLinuxOptions",
                scope.source("seLinuxOptions"),
                name,
                out,
            )
        if not self.seccomp.allow_any:
            self.seccomp.validate_container(
                annotations, scope.container, csc, scope.psc, scope.field, name, out
            )
        if csc is not None:
            if csc.get("privileged") is True and not scc.allow_privileged_container:
                out.append(
                    invalid(
                        scope.path + ".privileged",
                        "true",
                        "Privileged containers are not allowed",
                        scope.field + ".securityContext.privileged",
                        name,
                    )
                )
            caps = csc.get("capabilities")
        else:
            caps = None
        if caps is not None or self.caps.required:
            self.caps.validate(caps, scope, name, out)
        if not scc.allow_host_ports:
            ports = scope.container.get("ports")
            if ports and ports.__class__ is list:
                for index, port in enumerate(ports):
                    host_port = port.get("hostPort") if port.__class__ is dict else None
                    if isinstance(host_port, int) and host_port > 0:
                        out.append(
                            invalid(
                                scope.path + ".hostPort",
                                str(host_port),
                                "Host ports are not allowed to be used",
                                f"{scope.field}.ports[{index}].hostPort",
                                name,
                            )
                        )
        if scc.read_only_root_filesystem:
            read_only = csc.get("readOnlyRootFilesystem") if csc is not None else None
            if read_only is not True:
                where = scope.field + ".securityContext.readOnlyRootFilesystem"
                path = scope.path + ".readOnlyRootFilesystem"
                if read_only is None:
                    detail = "ReadOnlyRootFilesystem may not be nil and must be set to true"
                    out.append(invalid(path, NULL, detail, where, name))
                else:
                    detail = "ReadOnlyRootFilesystem must be set to true"
                    out.append(invalid(path, go_value(read_only), detail, where, name))
        if scc.allow_privilege_escalation is False:
            escalation = csc.get("allowPrivilegeEscalation") if csc is not None else None
            if escalation is not False:
                out.append(
                    invalid(
                        scope.path + ".allowPrivilegeEscalation",
                        go_value(escalation),
                        "Allowing privilege escalation for containers is not allowed",
                        scope.field + ".securityContext.allowPrivilegeEscalation",
                        name,
                    )
                )


class _Refused(Exception):
    pass


class _StopAtFirst(list[FieldError]):
    """A reason list that ends validation at its first reason."""

    def append(self, item: FieldError) -> None:
        raise _Refused


def _ensure_psc(spec: dict[str, Any], psc: dict[str, Any] | None) -> dict[str, Any]:
    if psc is None:
        psc = {}
        spec["securityContext"] = psc
    return psc
