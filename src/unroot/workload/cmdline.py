"""``podman run`` / ``docker run`` command lines -> the same pseudo-Pod as a compose service.

The command line is split with :mod:`shlex` and translated into a compose-service mapping, which
:mod:`unroot.workload.compose` turns into a pod; one translation path, one set of semantics.
Options are recognised whether written ``--opt value``, ``--opt=value`` or ``-pVALUE``; options
that take a value are listed so the image (the first positional argument) is found correctly.
"""

from __future__ import annotations

import shlex
from typing import Any

from unroot.errors import InputError
from unroot.workload.compose import service_document
from unroot.workload.load import Document, Source

FILE = "<cmdline>"

# Options of `podman run` / `docker run` that take a value (long names without "--").
_VALUE_LONG = frozenset(
    [
        "add-host",
        "annotation",
        "arch",
        "attach",
        "blkio-weight",
        "blkio-weight-device",
        "cap-add",
        "cap-drop",
        "cgroup-parent",
        "cgroupns",
        "cgroups",
        "chrootdirs",
        "cidfile",
        "conmon-pidfile",
        "cpu-period",
        "cpu-quota",
        "cpu-rt-period",
        "cpu-rt-runtime",
        "cpu-shares",
        "cpus",
        "cpuset-cpus",
        "cpuset-mems",
        "decryption-key",
        "detach-keys",
        "device",
        "device-cgroup-rule",
        "device-read-bps",
        "device-read-iops",
        "device-write-bps",
        "device-write-iops",
        "dns",
        "dns-option",
        "dns-search",
        "entrypoint",
        "env",
        "env-file",
        "env-merge",
        "expose",
        "gidmap",
        "gpus",
        "group-add",
        "group-entry",
        "health-cmd",
        "health-interval",
        "health-on-failure",
        "health-retries",
        "health-start-period",
        "health-startup-cmd",
        "health-startup-interval",
        "health-startup-retries",
        "health-startup-success",
        "health-startup-timeout",
        "health-timeout",
        "hostname",
        "hostuser",
        "image-volume",
        "init-path",
        "ip",
        "ip6",
        "ipc",
        "isolation",
        "kernel-memory",
        "label",
        "label-file",
        "link",
        "log-driver",
        "log-opt",
        "mac-address",
        "memory",
        "memory-reservation",
        "memory-swap",
        "memory-swappiness",
        "mount",
        "name",
        "network",
        "net",
        "network-alias",
        "oom-score-adj",
        "os",
        "passwd-entry",
        "personality",
        "pid",
        "pidfile",
        "pids-limit",
        "platform",
        "pod",
        "pod-id-file",
        "preserve-fds",
        "publish",
        "pull",
        "requires",
        "restart",
        "retry",
        "retry-delay",
        "runtime",
        "runtime-flag",
        "sdnotify",
        "seccomp-policy",
        "secret",
        "security-opt",
        "shm-size",
        "shm-size-systemd",
        "stop-signal",
        "stop-timeout",
        "storage-opt",
        "subgidname",
        "subuidname",
        "sysctl",
        "systemd",
        "timeout",
        "tmpfs",
        "tz",
        "uidmap",
        "ulimit",
        "umask",
        "unsetenv",
        "user",
        "userns",
        "uts",
        "variant",
        "volume",
        "volume-driver",
        "volumes-from",
        "workdir",
    ]
)
_VALUE_SHORT = frozenset("aceEhlmpuvw")
_SHORT_LONG = {"p": "publish", "v": "volume", "u": "user", "e": "env", "w": "workdir"}
_GLOBAL_VALUE = frozenset(
    [
        "cgroup-manager",
        "conmon",
        "connection",
        "events-backend",
        "hooks-dir",
        "identity",
        "imagestore",
        "log-level",
        "module",
        "network-cmd-path",
        "network-config-dir",
        "root",
        "runroot",
        "runtime",
        "storage-driver",
        "storage-opt",
        "tmpdir",
        "url",
        "volumepath",
        "config",
        "context",
        "host",
        "tlscacert",
        "tlscert",
        "tlskey",
    ]
)
_RUN_VERBS = ("run", "create")


def parse_cmdline(command: str) -> tuple[str, dict[str, Any]]:
    """(service name, compose-style service mapping) for one run command line."""
    try:
        argv = shlex.split(command, comments=False)
    except ValueError as exc:
        raise InputError(f"{FILE}: cannot split the command line: {exc}") from None
    args = _after_run_verb(argv)
    opts: list[tuple[str, str | None]] = []
    image: str | None = None
    i = 0
    while i < len(args):
        tok = args[i]
        if tok == "--":
            image = args[i + 1] if i + 1 < len(args) else None
            break
        if tok.startswith("--"):
            name, eq, value = tok[2:].partition("=")
            if name in _VALUE_LONG:
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise InputError(f"{FILE}: option --{name} needs a value")
                    value = args[i]
                opts.append((name, value))
            else:
                opts.append((name, value if eq else None))
        elif tok.startswith("-") and len(tok) > 1:
            j = 1
            while j < len(tok):
                ch = tok[j]
                if ch in _VALUE_SHORT:
                    value = tok[j + 1 :]
                    if not value:
                        i += 1
                        if i >= len(args):
                            raise InputError(f"{FILE}: option -{ch} needs a value")
                        value = args[i]
                    opts.append((_SHORT_LONG.get(ch, ch), value.removeprefix("=")))
                    break
                opts.append((ch, None))
                j += 1
        else:
            image = tok
            break
        i += 1
    if image is None:
        raise InputError(f"{FILE}: no image in the command line")
    return _to_service(image, opts)


def _after_run_verb(argv: list[str]) -> list[str]:
    i = 0
    for k, tok in enumerate(argv):  # skip "sudo", "env X=Y" and the like before the engine
        if tok.rsplit("/", 1)[-1] in ("podman", "docker", "nerdctl"):
            i = k + 1
            break
    while i < len(argv):
        tok = argv[i]
        if tok in _RUN_VERBS:
            return argv[i + 1 :]
        if tok == "container" and i + 1 < len(argv) and argv[i + 1] in _RUN_VERBS:
            return argv[i + 2 :]
        if tok.startswith("-"):
            name = tok.lstrip("-").partition("=")[0]
            if "=" not in tok and (name in _GLOBAL_VALUE or tok == "-H"):
                i += 1
            i += 1
            continue
        break
    raise InputError(f"{FILE}: expected 'podman run ...' or 'docker run ...'")


def _to_service(image: str, opts: list[tuple[str, str | None]]) -> tuple[str, dict[str, Any]]:
    svc: dict[str, Any] = {"image": image}
    name = image.rsplit("/", 1)[-1].split("@")[0].split(":")[0] or "container"

    def add(key: str, value: Any) -> None:
        svc.setdefault(key, []).append(value)

    for opt, value in opts:
        if opt == "name" and value:
            name = value
        elif opt == "user" and value is not None:
            svc["user"] = value
        elif opt == "privileged" and value in (None, "true"):
            svc["privileged"] = True
        elif opt in ("cap-add", "cap-drop") and value:
            for cap in value.split(","):
                add(opt.replace("-", "_"), cap)
        elif opt == "publish" and value:
            add("ports", value)
        elif opt == "security-opt" and value:
            add("security_opt", value)
        elif opt in ("network", "net") and value:
            svc["network_mode"] = value
        elif opt in ("pid", "ipc") and value:
            svc[opt] = value
        elif opt == "volume" and value:
            add("volumes", value)
        elif opt == "tmpfs" and value:
            add("volumes", {"type": "tmpfs", "target": value.split(":")[0]})
        elif opt == "read-only" and value in (None, "true"):
            svc["read_only"] = True
        elif opt == "userns" and value:
            svc["userns_mode"] = value
        elif opt == "sysctl" and value:
            add("sysctls", value)
        elif opt == "group-add" and value:
            add("group_add", value)
    return name, svc


def load_cmdline(command: str) -> Source:
    """One Source with one pseudo-Pod document; every field points at line 1 of the command."""
    name, svc = parse_cmdline(command)
    doc: Document = service_document(name, svc, FILE, 0, lambda _path: 1, 1)
    return Source(file=FILE, text=command, format="cmdline", documents=[doc])
