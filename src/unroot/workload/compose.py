"""podman/docker compose files -> one pseudo-Pod per service, keeping compose line numbers.

The pseudo-Pod is what Kubernetes would run for the service, so the same policy code (Pod
Security, SCC profiles) judges it. Each generated field remembers the line of the compose field it
came from (``Document.line_map``), so a finding on ``spec.containers[0].securityContext.privileged``
points at ``privileged: true`` in the compose file.

Translation choices: published ports become ``containerPort`` only (a compose service would be
exposed by a Service, not a hostPort); a non-numeric ``user:`` cannot be expressed in a pod and is
kept as the ``unroot.dev/user-name`` annotation; ``label=disable`` runs the container as
``spc_t``, so it becomes that SELinux type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from unroot.errors import InputError
from unroot.untrusted import is_decimal
from unroot.workload.load import (
    Document,
    Source,
    _node_line,
    child,
    node_line,
    read_chunk,
    split_chunks,
    stream_budget,
)
from unroot.workload.podspec import join_path, split_path

USER_NAME_ANNOTATION = "unroot.dev/user-name"
SERVICE_ANNOTATION = "unroot.dev/compose-service"

Locate = Callable[[list[str | int]], int | None]
"""Compose field path (from the service) -> 1-based line, or None."""

_PORT = re.compile(
    r"^(?:(?:\[[^\]]*\]|[^:\[\]]*):)?(?:(?P<host>[\d-]*):)?(?P<ctr>\d+)(?:-\d+)?(?:/(?P<proto>\w+))?$"
)


def is_compose(obj: Any) -> bool:
    """A mapping with a ``services`` mapping and no Kubernetes ``kind``."""
    return isinstance(obj, dict) and isinstance(obj.get("services"), dict) and "kind" not in obj


def load_compose(text: str, file: str, stream: list[int] | None = None) -> Source:
    """Parse a compose file into one pseudo-Pod document per service (sorted by file order)."""
    src = Source(file=file, text=text, format="compose", chunks=split_chunks(text))
    budget = stream if stream is not None else stream_budget(text)
    for chunk in src.chunks:
        parsed = read_chunk(chunk, file, stream=budget)
        chunk.parsed = parsed is not None
        if parsed is None:
            continue
        obj, lines = parsed.obj, parsed.lines
        if not is_compose(obj):
            src.warnings.append(f"{file}:{chunk.start_line + 1}: not a compose file; skipped")
            continue
        services = child(lines, "services")
        for index, (name, svc) in enumerate(obj["services"].items()):
            svc_lines = child(services, name)

            def locate(path: list[str | int], _n: Any = svc_lines, _c: Any = chunk) -> int | None:
                return _node_line(_n, path, _c.start_line)

            service_line = (
                node_line(svc_lines) + chunk.start_line + 1 if svc_lines is not None else None
            )
            src.documents.append(service_document(name, svc, file, index, locate, service_line))
    return src


def service_document(
    name: str, svc: Any, file: str, index: int, locate: Locate, service_line: int | None
) -> Document:
    """Build the pseudo-Pod for one service; wrong types are InputErrors with ``file:line``."""
    if not isinstance(svc, dict):
        raise InputError(f"{file}:{service_line}: service {name!r} must be a mapping")
    b = _Builder(name, svc, file, locate, service_line)
    b.build()
    return Document(
        obj=b.pod,
        kind="Pod",
        name=name,
        namespace=None,
        file=file,
        doc_index=index,
        line_map=b.lines,
    )


class _Builder:
    def __init__(
        self, name: str, svc: dict[str, Any], file: str, locate: Locate, line: int | None
    ) -> None:
        self.name, self.svc, self.file, self.locate = name, svc, file, locate
        self.container: dict[str, Any] = {"name": _dns_name(name)}
        self.spec: dict[str, Any] = {"containers": [self.container]}
        self.pod: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": _dns_name(name), "annotations": {SERVICE_ANNOTATION: name}},
            "spec": self.spec,
        }
        self.lines: dict[str, int] = {}
        if line is not None:
            for path in ("", "metadata", "spec", "spec.containers[0]"):
                self.lines[path] = line

    # -- helpers -------------------------------------------------------------------------
    def at(self, pod_path: str, compose_path: list[str | int]) -> None:
        line = self.locate(compose_path)
        if line is not None:
            self.lines[join_path("", *split_path(pod_path))] = line

    def bad(self, key: str, want: str) -> InputError:
        line = self.locate([key])
        return InputError(f"{self.file}:{line}: services.{self.name}.{key}: expected {want}")

    def csc(self) -> dict[str, Any]:
        sc: dict[str, Any] = self.container.setdefault("securityContext", {})
        return sc

    def psc(self) -> dict[str, Any]:
        sc: dict[str, Any] = self.spec.setdefault("securityContext", {})
        return sc

    def str_list(self, key: str) -> list[str]:
        value = self.svc.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise self.bad(key, "a list of strings")
        return [str(v) for v in value]

    def flag(self, key: str) -> bool:
        value = self.svc.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.bad(key, "true or false")
        return value

    # -- translation ---------------------------------------------------------------------
    def build(self) -> None:
        svc = self.svc
        cbase = "spec.containers[0]"
        if "image" in svc:
            if not isinstance(svc["image"], str):
                raise self.bad("image", "a string")
            self.container["image"] = svc["image"]
            self.at(cbase + ".image", ["image"])
        self.user()
        if self.flag("privileged"):
            self.csc()["privileged"] = True
            self.at(cbase + ".securityContext.privileged", ["privileged"])
        for key, field in (("cap_add", "add"), ("cap_drop", "drop")):
            caps = self.str_list(key)
            if caps:
                holder = self.csc().setdefault("capabilities", {})
                holder[field] = [_cap(c) for c in caps]
                for i in range(len(caps)):
                    self.at(f"{cbase}.securityContext.capabilities.{field}[{i}]", [key, i])
        self.ports()
        self.security_opts()
        if self.flag("read_only"):
            self.csc()["readOnlyRootFilesystem"] = True
            self.at(cbase + ".securityContext.readOnlyRootFilesystem", ["read_only"])
        for key, field in (("network_mode", "hostNetwork"), ("pid", "hostPID"), ("ipc", "hostIPC")):
            value = svc.get(key)
            if value is not None and not isinstance(value, str):
                raise self.bad(key, "a string")
            if value == "host":
                self.spec[field] = True
                self.at(f"spec.{field}", [key])
        userns = svc.get("userns_mode")
        if userns is not None:
            if not isinstance(userns, str):
                raise self.bad("userns_mode", "a string")
            if userns:
                self.spec["hostUsers"] = userns == "host"
                self.at("spec.hostUsers", ["userns_mode"])
        self.volumes()
        self.sysctls()
        groups = self.str_list("group_add")
        numeric = [int(g) for g in groups if is_decimal(g)]
        if numeric:
            self.psc()["supplementalGroups"] = numeric
            self.at("spec.securityContext.supplementalGroups", ["group_add"])

    def user(self) -> None:
        value = self.svc.get("user")
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.bad("user", "a string such as 1000:1000")
        user, _, group = str(value).partition(":")
        path = "spec.containers[0].securityContext."
        if is_decimal(user):
            self.csc()["runAsUser"] = int(user)
            self.at(path + "runAsUser", ["user"])
        elif user:
            self.pod["metadata"]["annotations"][USER_NAME_ANNOTATION] = user
            self.at(f'metadata.annotations["{USER_NAME_ANNOTATION}"]', ["user"])
        if is_decimal(group):
            self.csc()["runAsGroup"] = int(group)
            self.at(path + "runAsGroup", ["user"])

    def ports(self) -> None:
        raw = self.svc.get("ports")
        if raw is None:
            return
        if not isinstance(raw, list):
            raise self.bad("ports", "a list")
        out: list[dict[str, Any]] = []
        for i, item in enumerate(raw):
            port: dict[str, Any]
            if isinstance(item, dict):
                target = item.get("target")
                if isinstance(target, str) and is_decimal(target):
                    target = int(target)
                if not isinstance(target, int) or isinstance(target, bool):
                    raise self.bad("ports", "a target port number in the long syntax")
                port = {"containerPort": target}
                proto = item.get("protocol")
            else:
                match = _PORT.match(str(item).strip())
                if not match:
                    raise self.bad("ports", f"a port mapping like 8080:80, got {item!r}")
                port = {"containerPort": int(match.group("ctr"))}
                proto = match.group("proto")
            if isinstance(proto, str) and proto:
                port["protocol"] = proto.upper()
            self.at(f"spec.containers[0].ports[{len(out)}]", ["ports", i])
            self.at(f"spec.containers[0].ports[{len(out)}].containerPort", ["ports", i])
            out.append(port)
        if out:
            self.container["ports"] = out

    def security_opts(self) -> None:
        base = "spec.containers[0].securityContext."
        for i, opt in enumerate(self.str_list("security_opt")):
            parts = re.split(r"[=:]", opt, maxsplit=1)
            key = parts[0].strip()
            value = parts[1].strip() if len(parts) > 1 else ""
            src: list[str | int] = ["security_opt", i]
            if key == "no-new-privileges" and value in ("", "true"):
                self.csc()["allowPrivilegeEscalation"] = False
                self.at(base + "allowPrivilegeEscalation", src)
            elif key == "seccomp":
                if value == "unconfined":
                    self.csc()["seccompProfile"] = {"type": "Unconfined"}
                elif value:
                    self.csc()["seccompProfile"] = {"type": "Localhost", "localhostProfile": value}
                self.at(base + "seccompProfile", src)
                self.at(base + "seccompProfile.type", src)
            elif key == "label":
                opts = self.csc().setdefault("seLinuxOptions", {})
                if value == "disable":
                    opts["type"] = "spc_t"
                else:
                    sub, _, v = value.partition(":")
                    if sub in ("user", "role", "type", "level") and v:
                        opts[sub] = v
                for sub in ("", ".type", ".level", ".user", ".role"):
                    self.at(base + "seLinuxOptions" + sub, src)
            elif key == "apparmor" and value:
                self.csc()["appArmorProfile"] = (
                    {"type": "Unconfined"}
                    if value == "unconfined"
                    else {"type": "Localhost", "localhostProfile": value}
                )
                self.at(base + "appArmorProfile", src)
                self.at(base + "appArmorProfile.type", src)

    def volumes(self) -> None:
        raw = self.svc.get("volumes")
        if raw is None:
            return
        if not isinstance(raw, list):
            raise self.bad("volumes", "a list")
        vols: list[dict[str, Any]] = []
        mounts: list[dict[str, Any]] = []
        for i, item in enumerate(raw):
            if isinstance(item, dict):
                kind = item.get("type", "volume")
                source = item.get("source")
                target = item.get("target")
                read_only = item.get("read_only") is True
            elif isinstance(item, str):
                parts = item.split(":")
                if len(parts) == 1:
                    kind, source, target = "volume", None, parts[0]
                else:
                    source, target = parts[0], parts[1]
                    kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
                read_only = len(parts) > 2 and "ro" in parts[2].split(",")
            else:
                raise self.bad("volumes", "strings or mappings")
            vname = f"vol-{i}"
            volume: dict[str, Any] = {"name": vname}
            if kind == "bind":
                volume["hostPath"] = {"path": str(source)}
                sub = "hostPath"
            elif kind == "tmpfs":
                volume["emptyDir"] = {"medium": "Memory"}
                sub = "emptyDir"
            elif kind == "volume" and source:
                volume["persistentVolumeClaim"] = {"claimName": str(source)}
                sub = "persistentVolumeClaim"
            else:
                volume["emptyDir"] = {}
                sub = "emptyDir"
            self.at(f"spec.volumes[{len(vols)}]", ["volumes", i])
            self.at(f"spec.volumes[{len(vols)}].{sub}", ["volumes", i])
            vols.append(volume)
            mount: dict[str, Any] = {"name": vname, "mountPath": str(target)}
            if read_only:
                mount["readOnly"] = True
            mounts.append(mount)
        if vols:
            self.spec["volumes"] = vols
            self.container["volumeMounts"] = mounts

    def sysctls(self) -> None:
        raw = self.svc.get("sysctls")
        if raw is None:
            return
        items: list[tuple[str, str, list[str | int]]] = []
        if isinstance(raw, dict):
            items = [(str(k), str(v), ["sysctls", str(k)]) for k, v in raw.items()]
        elif isinstance(raw, list):
            for i, entry in enumerate(raw):
                k, _, v = str(entry).partition("=")
                items.append((k, v, ["sysctls", i]))
        else:
            raise self.bad("sysctls", "a mapping or a list")
        if items:
            self.psc()["sysctls"] = [{"name": k, "value": v} for k, v, _ in items]
            for i, (_k, _v, src) in enumerate(items):
                self.at(f"spec.securityContext.sysctls[{i}]", src)
                self.at(f"spec.securityContext.sysctls[{i}].name", src)


def _cap(name: str) -> str:
    upper = name.strip().upper()
    return upper[4:] if upper.startswith("CAP_") else upper


def _dns_name(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return cleaned[:63] or "service"
