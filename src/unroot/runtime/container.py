"""One container's life, split into the steps verify needs, with bounded waits and a guaranteed
removal.

``create`` -> ``init`` (runc builds the container; its init process waits, already with the
final UID and capabilities, for the start signal) -> ``start``. Between init and start the
sampler and the tracer attach, so nothing the entrypoint does escapes them. Every podman call
runs in its own session (a terminal Ctrl-C reaches unroot, which then removes the container in
order) with a timeout. Containers are named ``unroot-<purpose>-<token>`` and labelled
``io.unroot.session=<token>``, so removal works by name even when ``create`` was interrupted
before it printed an id.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from unroot.errors import InputError, ToolError
from unroot.runtime.locks import exclusive
from unroot.runtime.podman import Podman, RunSpec
from unroot.runtime.profile import SESSION_LABEL

CREATE_TIMEOUT = 300.0
"""Generous: podman waits for its storage lock, which a concurrent build or removal can hold
for minutes on a busy host, and a first ``--userns=auto`` run copies the image's layers."""
STEP_TIMEOUT = 120.0
REMOVE_TIMEOUT = 120.0
PIDFILE_WAIT = 1.0


def new_name(purpose: str) -> tuple[str, str]:
    """(container name, session token)."""
    token = secrets.token_hex(6)
    return f"unroot-{purpose}-{token}", token


class Container:
    """A created container; use as a context manager so it is always removed."""

    def __init__(self, podman: Podman, name: str, files: str | None = None) -> None:
        self.podman = podman
        self.name = name
        self.files = files
        """A private directory for conmon's pid file and log (None: ask podman)."""
        self.pid: int | None = None
        self.timings: dict[str, float] = {}
        self.removed = False
        self.remove_error: str | None = None
        """Why ``podman rm`` failed (the container may still exist), or None."""
        self.log_file: str | None = None
        """The k8s-file log conmon writes (read directly; else ``podman logs``)."""

    def _step(self, label: str, args: list[str], timeout: float = STEP_TIMEOUT) -> str:
        start = time.monotonic()
        proc = self.podman.run_cmd(args, check=False, timeout=timeout, isolate=True)
        self.timings[label] = time.monotonic() - start
        if proc.returncode != 0:
            lines = [ln for ln in (proc.stderr or "").splitlines() if ln.strip()]
            why = lines[-1].strip() if lines else f"exit {proc.returncode}"
            raise ToolError(f"podman {label} failed: {why.removeprefix('Error: ')}")
        return proc.stdout.strip()

    def init(self) -> int:
        """Build the container without starting its program; returns the init process's PID."""
        self._step("init", ["init", self.name])
        if self.files is not None:
            # conmon writes the file around the time podman init returns: allow it a moment
            pid_file = os.path.join(self.files, "pid")
            deadline = time.monotonic() + PIDFILE_WAIT
            pid = _read_pid(pid_file)
            while not pid and time.monotonic() < deadline:
                time.sleep(0.005)
                pid = _read_pid(pid_file)
            if pid:
                self.pid = pid
                self.log_file = os.path.join(self.files, "ctr.log")
                return pid
        fmt = "{{.State.Pid}}\t{{.HostConfig.LogConfig.Type}}\t{{.HostConfig.LogConfig.Path}}"
        out = self._step("inspect", ["container", "inspect", "--format", fmt, self.name])
        pid_text, _, rest = out.partition("\t")
        log_type, _, log_path = rest.partition("\t")
        pid = int(pid_text) if pid_text.strip().isdigit() else 0
        if pid <= 0:
            raise ToolError(f"podman init {self.name}: no process was created")
        if log_type == "k8s-file" and log_path.startswith("/"):
            self.log_file = log_path
        self.pid = pid
        return pid

    def start(self) -> None:
        self._step("start", ["start", self.name])

    def state(self) -> dict[str, object]:
        out = self._step(
            "inspect", ["container", "inspect", "--format", "{{json .State}}", self.name]
        )
        data = json.loads(out or "{}")
        return data if isinstance(data, dict) else {}

    def exit_code(self) -> int | None:
        try:
            state = self.state()
        except (ToolError, ValueError):
            return None
        if state.get("Running"):
            return None
        code = state.get("ExitCode")
        return int(code) if isinstance(code, int) else None

    def logs(self, limit: int = 256 * 1024) -> str:
        """stdout and stderr so far (the last ``limit`` bytes)."""
        start = time.monotonic()
        if self.log_file is not None:
            text = read_k8s_log(self.log_file, limit)
            if text is not None:
                self.timings["logs"] = time.monotonic() - start
                return text
        try:
            proc = self.podman.run_cmd(
                ["logs", self.name], check=False, timeout=STEP_TIMEOUT, isolate=True
            )
        except ToolError as exc:
            return f"(logs unavailable: {exc})"
        self.timings["logs"] = time.monotonic() - start
        text = (proc.stdout or "") + (proc.stderr or "")
        return text[-limit:]

    def kill(self) -> None:
        with contextlib.suppress(ToolError):
            self.podman.run_cmd(
                ["kill", "--signal", "KILL", self.name], check=False, timeout=STEP_TIMEOUT,
                isolate=True,
            )  # fmt: skip

    @contextmanager
    def mounted(self) -> Iterator[str | None]:
        """The container's root filesystem on the host (rootful only), unmounted afterwards."""
        if self.podman.rootless:
            yield None
            return
        try:
            proc = self.podman.run_cmd(
                ["mount", self.name], check=False, timeout=STEP_TIMEOUT, isolate=True
            )
        except ToolError:
            yield None
            return
        path = proc.stdout.strip() if proc.returncode == 0 else ""
        try:
            yield path or None
        finally:
            if path:
                with contextlib.suppress(ToolError):
                    self.podman.run_cmd(
                        ["umount", self.name], check=False, timeout=STEP_TIMEOUT, isolate=True
                    )

    def remove(self) -> None:
        """Force-remove (SIGKILL, no grace period); safe to call twice, never raises.

        One retry: a removal can time out while another podman process holds the storage lock;
        what still fails is kept in :attr:`remove_error` for the report.
        """
        if self.removed:
            return
        start = time.monotonic()
        for _ in range(2):
            try:
                proc = self.podman.run_cmd(
                    ["rm", "--force", "--ignore", "--time", "0", self.name],
                    check=False,
                    timeout=REMOVE_TIMEOUT,
                    isolate=True,
                )
            except ToolError as exc:
                self.remove_error = str(exc)
                continue
            if proc.returncode == 0:
                self.remove_error = None
                break
            lines = [ln for ln in (proc.stderr or "").splitlines() if ln.strip()]
            self.remove_error = lines[-1].strip() if lines else f"exit {proc.returncode}"
        self.timings["remove"] = time.monotonic() - start
        self.removed = True

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _read_pid(path: str) -> int:
    try:
        with open(path, encoding="ascii") as fh:
            text = fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return 0
    return int(text) if text.isdigit() else 0


def read_k8s_log(path: str, limit: int) -> str | None:
    """The messages of a k8s-file log (``TIME STREAM P|F MESSAGE`` lines; ``P`` is a partial
    line continued by the next), from its last ``limit`` bytes; None when unreadable."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - limit))
            data = fh.read(limit)
    except OSError:
        return None
    lines = data.decode("utf-8", "replace").split("\n")
    if size > limit:
        lines = lines[1:]  # the first one is cut
    out: list[str] = []
    for line in lines:
        parts = line.split(" ", 3)
        if len(parts) < 3:
            continue
        message = parts[3] if len(parts) == 4 else ""
        out.append(message if parts[2] == "P" else message + "\n")
    return "".join(out)


@contextmanager
def created(podman: Podman, spec: RunSpec) -> Iterator[Container]:
    """``podman create`` ``spec`` (which must carry a name) and always remove it afterwards.

    conmon writes the container's PID and its log into a private directory (``--pidfile``,
    a k8s-file log at a known path), which saves a ``podman inspect`` and a ``podman logs``.
    """
    assert spec.name, "containers unroot creates are always named"
    files = tempfile.mkdtemp(prefix="unroot-ctr-")
    container = Container(podman, spec.name, files)
    try:
        own = [
            "--pidfile", os.path.join(files, "pid"),
            "--log-driver", "k8s-file",
            "--log-opt", f"path={os.path.join(files, 'ctr.log')}",
        ]  # fmt: skip
        args = ["create", *own, *spec.to_args()[1:]]
        if not any(a.startswith("--pull") for a in args):
            args.insert(1, "--pull=never")
        start = time.monotonic()
        userns = any(a.startswith("--userns=auto") for a in args)
        # one --userns=auto create at a time on this host: a first create in a new ID mapping
        # copies the image's layers under podman's storage lock, and concurrent ones stall
        guard = exclusive("userns-create", CREATE_TIMEOUT) if userns else contextlib.nullcontext()
        with guard:
            proc = podman.run_cmd(args, check=False, timeout=CREATE_TIMEOUT, isolate=True)
        container.timings["create"] = time.monotonic() - start
        if proc.returncode != 0:
            lines = [ln for ln in (proc.stderr or "").splitlines() if ln.strip()]
            why = lines[-1].strip().removeprefix("Error: ") if lines else f"exit {proc.returncode}"
            if "image not known" in why or "unable to find" in why.lower():
                raise InputError(f"image {spec.image} not found in local storage")
            raise ToolError(f"podman create failed: {why}")
        yield container
    finally:
        container.remove()
        shutil.rmtree(files, ignore_errors=True)


def leaked(podman: Podman, token: str | None = None) -> list[str]:
    """Names of containers unroot started (``token``: of one session) that still exist."""
    label = SESSION_LABEL if token is None else f"{SESSION_LABEL}={token}"
    proc = podman.run_cmd(
        ["ps", "--all", "--filter", f"label={label}", "--format", "{{.Names}}"],
        check=False,
        timeout=STEP_TIMEOUT,
    )
    return [line for line in proc.stdout.split() if line]
