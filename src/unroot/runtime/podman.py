"""The podman adapter: every podman call in unroot goes through :class:`Podman`.

It probes the host once (:mod:`unroot.runtime.hostconf`), then adds the right global flags and
a generated containers.conf (via ``CONTAINERS_CONF``) to each call, so callers never repeat the
host workarounds. Run options are plain data (:class:`RunSpec`) turned into arguments by a pure
method, which lets later features (restricted profiles, probes) build and test them without
podman.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from unroot.errors import ToolError
from unroot.runtime.hostconf import (
    HostFacts,
    PodmanSettings,
    decide,
    probe_host_facts,
    write_containers_conf,
)

SaveFormat = Literal["docker-archive", "oci-archive", "oci-dir"]
"""``podman save`` formats unroot reads: the two archives and an OCI layout directory."""

_DEFAULT_TIMEOUT = 1800.0


@dataclass(frozen=True, slots=True)
class PortMapping:
    """``-p host_ip:host_port:container_port/proto``."""

    host_port: int
    container_port: int
    host_ip: str = "127.0.0.1"
    proto: str = "tcp"

    def to_arg(self) -> str:
        host = f"{self.host_ip}:" if self.host_ip else ""
        return f"{host}{self.host_port}:{self.container_port}/{self.proto}"


@dataclass(frozen=True, slots=True)
class RunSpec:
    """Everything ``podman run`` needs, as data; :meth:`to_args` renders it."""

    image: str
    command: tuple[str, ...] = ()
    user: str | None = None
    cap_drop: tuple[str, ...] = ()
    cap_add: tuple[str, ...] = ()
    security_opts: tuple[str, ...] = ()
    ports: tuple[PortMapping, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    entrypoint: str | None = None
    workdir: str | None = None
    read_only: bool = False
    tmpfs: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    network: str | None = None
    name: str | None = None
    detach: bool = False
    remove: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)
    extra_args: tuple[str, ...] = ()

    def to_args(self) -> list[str]:
        """The ``podman run ...`` arguments (without the executable and global flags)."""
        args = ["run"]
        if self.detach:
            args.append("--detach")
        if self.remove:
            args.append("--rm")
        if self.name:
            args += ["--name", self.name]
        if self.user is not None:
            args += ["--user", self.user]
        for cap in self.cap_drop:
            args += ["--cap-drop", cap]
        for cap in self.cap_add:
            args += ["--cap-add", cap]
        for opt in self.security_opts:
            args += ["--security-opt", opt]
        for port in self.ports:
            args += ["--publish", port.to_arg()]
        for key, value in self.env.items():
            args += ["--env", f"{key}={value}"]
        for key, value in self.labels.items():
            args += ["--label", f"{key}={value}"]
        if self.entrypoint is not None:
            args += ["--entrypoint", self.entrypoint]
        if self.workdir is not None:
            args += ["--workdir", self.workdir]
        if self.read_only:
            args.append("--read-only")
        for mount in self.tmpfs:
            args += ["--tmpfs", mount]
        for volume in self.volumes:
            args += ["--volume", volume]
        if self.network is not None:
            args += ["--network", self.network]
        args += list(self.extra_args)
        args.append(self.image)
        args += list(self.command)
        return args


class Podman:
    """A podman executable plus the settings this host needs."""

    def __init__(
        self,
        executable: str,
        settings: PodmanSettings,
        conf_path: Path | None,
        facts: HostFacts | None = None,
    ) -> None:
        self.executable = executable
        self.settings = settings
        self.conf_path = conf_path
        self.facts = facts

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def detect(cls, conf_dir: Path | None = None, executable: str | None = None) -> Podman:
        """Find podman, probe the host once per process, and write the containers.conf.

        Raises :class:`ToolError` when podman is missing or the host cannot run containers.
        """
        exe = executable or shutil.which("podman")
        if exe is None:
            raise ToolError("podman not found on PATH (apt-get install podman)")
        facts = _cached_facts(conf_dir)
        settings = decide(facts)
        if settings.problems:
            raise ToolError("podman cannot run containers here: " + "; ".join(settings.problems))
        conf = (
            write_containers_conf(settings.containers_conf, conf_dir)
            if settings.needs_conf
            else None
        )
        return cls(exe, settings, conf, facts)

    # -- plumbing ----------------------------------------------------------------------------

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for podman (and skopeo/buildah) calls: ``CONTAINERS_CONF`` set when this
        host needs it (an ordinary host keeps the user's own containers.conf)."""
        out = dict(os.environ if base is None else base)
        if self.conf_path is not None:
            out["CONTAINERS_CONF"] = str(self.conf_path)
        return out

    @property
    def rootless(self) -> bool:
        return self.facts.rootless if self.facts is not None else os.geteuid() != 0

    def command(self, args: Sequence[str]) -> list[str]:
        """The full argv: executable, host-specific global flags, then ``args``."""
        return [self.executable, *self.settings.global_args, *args]

    def run_cmd(
        self,
        args: Sequence[str],
        *,
        check: bool = True,
        input: str | None = None,
        timeout: float | None = _DEFAULT_TIMEOUT,
        capture: bool = True,
        isolate: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``podman ARGS``; with ``check``, a failure becomes :class:`ToolError`.

        ``isolate`` starts podman in its own session, so a Ctrl-C on the terminal reaches only
        unroot, which then cleans up in order instead of podman dying half-way through a call.
        """
        argv = self.command(args)
        try:
            proc = subprocess.run(
                argv,
                env=self.env(),
                input=input,
                text=True,
                capture_output=capture,
                timeout=timeout,
                check=False,
                start_new_session=isolate,
                stdin=subprocess.DEVNULL if input is None else None,
            )
        except subprocess.TimeoutExpired as exc:
            raise ToolError(f"podman {args[0] if args else ''} timed out after {timeout}s") from exc
        except OSError as exc:
            raise ToolError(f"cannot run podman: {exc}") from exc
        if check and proc.returncode != 0:
            why = _last_line(proc.stderr) if capture else "see its output above"
            raise ToolError(f"podman {' '.join(args[:2])} failed (exit {proc.returncode}): {why}")
        return proc

    # -- images ------------------------------------------------------------------------------

    def image_exists(self, ref: str) -> bool:
        return self.run_cmd(["image", "exists", ref], check=False).returncode == 0

    def image_inspect(self, ref: str) -> dict[str, Any]:
        out = self.run_cmd(["image", "inspect", ref]).stdout
        data = json.loads(out)
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise ToolError(f"podman image inspect {ref}: unexpected output")
        result: dict[str, Any] = data[0]
        return result

    def image_labels(self, ref: str) -> dict[str, str]:
        labels = self.image_inspect(ref).get("Labels") or {}
        return {str(k): str(v) for k, v in labels.items()}

    def image_import(
        self, tar: Path, tag: str, *, changes: Sequence[str] = (), message: str | None = None
    ) -> str:
        """``podman import`` a rootfs tarball as ``tag``; returns the image id."""
        args = ["import"]
        for change in changes:
            args += ["--change", change]
        if message:
            args += ["--message", message]
        args += [str(tar), tag]
        return _last_line(self.run_cmd(args).stdout)

    def build(
        self,
        context: Path,
        tag: str,
        containerfile: Path | None = None,
        *,
        build_args: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        timeout: float | None = _DEFAULT_TIMEOUT,
        stream: bool = False,
    ) -> str:
        """``podman build`` ``context`` into ``tag``; returns the image id (hex, no prefix).

        ``stream`` shows podman's progress on the terminal instead of capturing it.
        """
        with tempfile.TemporaryDirectory(prefix="unroot-build-") as tmp:
            iidfile = Path(tmp) / "iid"
            args = ["build", "--tag", tag, "--iidfile", str(iidfile)]
            if containerfile is not None:
                args += ["--file", str(containerfile)]
            for key, value in (build_args or {}).items():
                args += ["--build-arg", f"{key}={value}"]
            args += [*extra_args, str(context)]
            self.run_cmd(args, timeout=timeout, capture=not stream)
            return iidfile.read_text(encoding="utf-8").strip().removeprefix("sha256:")

    def save(self, image: str, dest: Path, format: SaveFormat = "docker-archive") -> Path:
        """``podman save`` ``image`` into ``dest`` (replaced if present).

        ``oci-dir`` writes an OCI image layout directory (read back as ``oci:DEST``).
        """
        if format not in ("docker-archive", "oci-archive", "oci-dir"):
            raise ToolError(f"unsupported save format {format!r}")
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        else:
            dest.unlink(missing_ok=True)
        self.run_cmd(["save", "--format", format, "--output", str(dest), image])
        return dest

    def remove_image(self, ref: str, *, force: bool = False) -> None:
        args = ["rmi", *(["--force"] if force else []), ref]
        self.run_cmd(args, check=False)

    # -- containers --------------------------------------------------------------------------

    def run(
        self, spec: RunSpec, *, check: bool = True, timeout: float | None = _DEFAULT_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        """``podman run`` ``spec`` and wait (or return at once when ``spec.detach``)."""
        return self.run_cmd(spec.to_args(), check=check, timeout=timeout)

    @contextmanager
    def container(self, spec: RunSpec) -> Iterator[str]:
        """Start ``spec`` detached, yield its id, and always remove it afterwards."""
        detached = replace(spec, detach=True)
        proc = self.run(detached)
        cid = _last_line(proc.stdout)
        try:
            yield cid
        finally:
            self.remove_container(cid)

    def remove_container(self, container: str) -> None:
        """Force-remove a container at once (no stop grace period)."""
        self.run_cmd(["rm", "--force", "--time", "0", container], check=False)

    def exec(
        self,
        container: str,
        args: Sequence[str],
        *,
        user: str | None = None,
        check: bool = True,
        timeout: float | None = 300,
    ) -> subprocess.CompletedProcess[str]:
        """``podman exec`` ``args`` in a running container (optionally as ``user``)."""
        argv = ["exec", *(["--user", user] if user is not None else []), container, *args]
        return self.run_cmd(argv, check=check, timeout=timeout)

    def container_inspect(self, container: str) -> dict[str, Any]:
        """``podman container inspect``: state, exit code, config and host config."""
        data = json.loads(self.run_cmd(["container", "inspect", container]).stdout)
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise ToolError(f"podman container inspect {container}: unexpected output")
        result: dict[str, Any] = data[0]
        return result

    def processes(self, container: str) -> list[dict[str, str]]:
        """The container's processes as seen from the host: ``user``, ``huser``, ``pid``, ``comm``.

        ``user`` is the UID inside the container, ``huser`` the UID on the host; together they
        prove that a process does not run as root (and, with user namespaces, where it maps).
        """
        fields = ("pid", "user", "huser", "comm")
        out = self.run_cmd(["top", container, *fields]).stdout.splitlines()
        rows = []
        for line in out[1:]:
            parts = line.split(None, len(fields) - 1)
            if len(parts) == len(fields):
                rows.append(dict(zip(fields, parts, strict=True)))
        return rows

    def logs(self, container: str) -> str:
        proc = self.run_cmd(["logs", container], check=False)
        return proc.stdout + proc.stderr


_FACTS_LOCK = threading.Lock()
_FACTS: list[HostFacts] = []


def _cached_facts(conf_dir: Path | None = None) -> HostFacts:
    """Probe once per process: the facts do not change while unroot runs."""
    with _FACTS_LOCK:
        if not _FACTS:
            _FACTS.append(probe_host_facts(conf_dir))
        return _FACTS[0]


def env() -> dict[str, str]:
    """Environment for podman/skopeo subprocesses on this host (``CONTAINERS_CONF`` set)."""
    return Podman.detect().env()


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""
