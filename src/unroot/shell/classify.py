"""What one (unwrapped) command does to the system: the start-time facts rules care about.

Pure functions from a :class:`Command` to facts. The caller (the entrypoint interpreter) has
already expanded the words it could and peeled the wrappers; these functions only read argv.
"""

from __future__ import annotations

import posixpath
import re

from unroot.shell.command import Command
from unroot.shell.facts import (
    CreatedPath,
    HostModification,
    OwnershipChange,
    PackageInstall,
    RootPathWrite,
    SetCap,
)
from unroot.shell.words import basename, flag_value, has_flag, positional
from unroot.untrusted import is_decimal

# Sysctls a pod may set through securityContext.sysctls: they are per network/IPC namespace.
_NAMESPACED_SYSCTL = re.compile(
    r"^(net\.|kernel\.shm|kernel\.msg|kernel\.sem$|fs\.mqueue\.|kernel\.domainname$|"
    r"kernel\.hostname$)"
)
_ROOT_PREFIXES = (
    "/etc/",
    "/run/",
    "/var/run/",
    "/var/log/",
    "/var/lib/",
    "/var/cache/",
    "/var/spool/",
    "/usr/",
    "/opt/",
    "/srv/",
    "/lib/",
    "/bin/",
    "/sbin/",
)
_NOT_FILES = ("/dev/", "/proc/self/", "/tmp/", "/var/tmp/")
_FIREWALLS = frozenset(
    {
        "iptables",
        "ip6tables",
        "iptables-restore",
        "ip6tables-restore",
        "iptables-legacy",
        "iptables-nft",
        "ip6tables-legacy",
        "ip6tables-nft",
        "nft",
        "ebtables",
        "arptables",
        "ipset",
    }
)
_IP_WRITE_VERBS = frozenset({"add", "del", "delete", "set", "change", "replace", "flush", "append"})
_ULIMIT_DEFAULT_HARD_NOFILE = 1048576


def sysctl_capability(key: str) -> str:
    if _NAMESPACED_SYSCTL.match(key):
        return "a namespaced sysctl (pod securityContext.sysctls) or a host change"
    return "a host kernel change (not settable from an unprivileged container)"


def host_modification(cmd: Command, file: str) -> list[HostModification]:
    """sysctl writes, modules, mounts, firewall and link changes, ulimit raises, /proc/sys."""
    if not cmd.argv:
        return []
    prog = basename(cmd.argv[0])
    text = cmd.text
    out: list[HostModification] = []

    def add(kind: str, cap: str, detail: str, certain: bool = True) -> None:
        out.append(HostModification(kind, cap, detail, file, cmd.line, text, certain))

    if prog == "sysctl":
        keys = [a for a in positional(cmd) if "=" in a]
        if has_flag(cmd, "-w", "--write") or keys:
            for k in keys or positional(cmd):
                key = k.split("=", 1)[0]
                add("sysctl", sysctl_capability(key), f"sets {k}")
        elif has_flag(cmd, "-p", "--load", "--system"):
            target = flag_value(cmd, "-p", "--load") or "/etc/sysctl.conf"
            add("sysctl", sysctl_capability(""), f"loads {target}")
    elif prog in ("modprobe", "insmod", "rmmod", "depmod"):
        if not has_flag(cmd, "-n", "--dry-run", "--show-depends", "-c", "--showconfig"):
            mods = " ".join(positional(cmd)) or "modules"
            add("modprobe", "CAP_SYS_MODULE (host kernel modules)", f"{prog} {mods}")
    elif prog in ("mount", "umount"):
        if positional(cmd) or has_flag(cmd, "-a", "--all"):
            add("mount", "CAP_SYS_ADMIN", " ".join(cmd.argv))
    elif prog in _FIREWALLS:
        if not has_flag(cmd, "-L", "--list", "-S", "--list-rules", "--version", "-V") and not (
            prog == "nft" and positional(cmd)[:1] == ["list"]
        ):
            add("iptables", "CAP_NET_ADMIN (and CAP_NET_RAW)", " ".join(cmd.argv))
    elif prog == "ip":
        words = [a for a in cmd.argv[1:] if not a.startswith("-")]
        changes = (len(words) >= 2 and words[1] in _IP_WRITE_VERBS) or words[:1] in (
            ["netns"],
            ["tuntap"],
        )
        listing = words[:1] == ["netns"] and words[1:2] in (["list"], ["identify"], [])
        if changes and not listing:
            add("ip", "CAP_NET_ADMIN", " ".join(cmd.argv))
    elif prog in ("ifconfig", "route", "tc", "ethtool", "brctl"):
        if len(positional(cmd)) >= 2:
            add(prog, "CAP_NET_ADMIN", " ".join(cmd.argv))
    elif prog == "ulimit":
        out.extend(_ulimit(cmd, file))
    elif prog == "hostname" and positional(cmd) and not has_flag(cmd, "-F", "--file"):
        add("hostname", "CAP_SYS_ADMIN (or set hostname in the pod spec)", " ".join(cmd.argv))
    for r in cmd.redirects:
        if r.writes and r.target.startswith("/proc/sys/"):
            key = r.target[len("/proc/sys/") :].replace("/", ".")
            add("proc_write", sysctl_capability(key), f"writes {r.target}")
        elif r.writes and r.target.startswith("/sys/"):
            add("proc_write", "a privileged container (sysfs is read-only)", f"writes {r.target}")
    if prog == "tee":
        for p in positional(cmd):
            if p.startswith("/proc/sys/"):
                key = p[len("/proc/sys/") :].replace("/", ".")
                add("proc_write", sysctl_capability(key), f"writes {p}")
    return out


def _ulimit(cmd: Command, file: str) -> list[HostModification]:
    out: list[HostModification] = []
    args = cmd.argv[1:]
    hard = any(a.startswith("-") and "H" in a for a in args)
    soft_only = any(a.startswith("-") and "S" in a for a in args) and not hard
    value = next((a for a in reversed(args) if not a.startswith("-")), None)
    if value is None or soft_only:
        return out  # a query, or a soft limit (raising it up to the hard limit is allowed)
    resources = (
        "".join(a.lstrip("-").replace("H", "").replace("S", "") for a in args if a.startswith("-"))
        or "f"
    )
    if "n" in resources:
        big = value == "unlimited" or (
            is_decimal(value) and int(value) > _ULIMIT_DEFAULT_HARD_NOFILE
        )
        if is_decimal(value) and int(value) <= 1024 and not big:
            return out
        out.append(
            HostModification(
                "ulimit",
                "CAP_SYS_RESOURCE",
                f"ulimit -n {value} raises the open-files hard limit"
                + (
                    ""
                    if big
                    else f" (only needs the capability above the runtime's hard limit,"
                    f" {_ULIMIT_DEFAULT_HARD_NOFILE} by default)"
                ),
                file,
                cmd.line,
                cmd.text,
                certain=big,
            )
        )
    elif value == "unlimited" or is_decimal(value):
        out.append(
            HostModification(
                "ulimit",
                "CAP_SYS_RESOURCE",
                f"ulimit -{resources} {value} raises a hard resource limit",
                file,
                cmd.line,
                cmd.text,
                certain=value == "unlimited",
            )
        )
    return out


_PKG_INSTALL = {
    "apt-get": ("install", "reinstall", "dist-upgrade", "upgrade", "build-dep"),
    "apt": ("install", "reinstall", "upgrade", "full-upgrade"),
    "aptitude": ("install", "reinstall"),
    "yum": ("install", "reinstall", "update", "upgrade", "groupinstall", "localinstall"),
    "dnf": ("install", "reinstall", "update", "upgrade", "groupinstall"),
    "microdnf": ("install", "reinstall", "update", "upgrade"),
    "tdnf": ("install", "update", "upgrade"),
    "apk": ("add", "upgrade"),
    "zypper": ("install", "in", "update", "up", "dist-upgrade", "dup"),
    "pacman": ("-S", "-Sy", "-Syu", "-U"),
    "dpkg": ("-i", "--install"),
    "rpm": ("-i", "-U", "--install", "--upgrade", "-ivh", "-Uvh"),
    "gem": ("install",),
    "emerge": (),
}


def package_install(cmd: Command, file: str) -> PackageInstall | None:
    """Installs into system locations: OS package managers, pip without --user, npm -g."""
    if not cmd.argv:
        return None
    prog = basename(cmd.argv[0])
    argv = cmd.argv
    if (
        prog.startswith("python")
        and len(argv) >= 3
        and argv[1] == "-m"
        and argv[2].startswith("pip")
    ):
        prog, argv = "pip", ("pip", *argv[3:])
    sub = Command(argv, cmd.line, cmd.text)
    if prog in ("pip", "pip3") or re.fullmatch(r"pip3\.\d+", prog):
        ops = positional(sub)
        if ops[:1] != ["install"] or has_flag(
            sub, "--user", "--target", "-t", "--prefix", "--root"
        ):
            return None
        if (
            "/venv/" in cmd.argv[0]
            or "/.venv/" in cmd.argv[0]
            or "VIRTUAL_ENV" in " ".join(cmd.assignments)
        ):
            return None
        return PackageInstall("pip", tuple(ops[1:]), file, cmd.line, cmd.text)
    if prog in ("npm", "yarn", "pnpm"):
        ops = positional(sub)
        if ops[:1] in (["install"], ["i"], ["add"]) and has_flag(sub, "-g", "--global"):
            return PackageInstall(prog, tuple(ops[1:]), file, cmd.line, cmd.text)
        if prog == "yarn" and ops[:2] == ["global", "add"]:
            return PackageInstall(prog, tuple(ops[2:]), file, cmd.line, cmd.text)
        return None
    verbs = _PKG_INSTALL.get(prog)
    if verbs is None:
        return None
    if prog in ("pacman", "dpkg", "rpm"):
        if not any(a in verbs for a in argv[1:]):
            return None
        return PackageInstall(prog, tuple(positional(sub)), file, cmd.line, cmd.text)
    ops = positional(sub, ("-o", "-c", "-t", "--repository", "-X", "--root", "-p"))
    if prog == "emerge" and ops:
        return PackageInstall(prog, tuple(ops), file, cmd.line, cmd.text)
    if ops and ops[0] in verbs:
        return PackageInstall(prog, tuple(ops[1:]), file, cmd.line, cmd.text)
    return None


def owner_spec(spec: str) -> tuple[str | None, str | None]:
    """``user:group`` (or the older ``user.group``) -> (user, group); a missing part is None."""
    for sep in (":", "."):
        if sep in spec:
            user, _, group = spec.partition(sep)
            return (user or None), (group or None)
    return spec or None, None


def ownership_change(cmd: Command, file: str) -> list[OwnershipChange]:
    """chown/chgrp/chmod, also inside ``find ... -exec chown ... {} +``."""
    if not cmd.argv:
        return []
    prog = basename(cmd.argv[0])
    if prog == "find":
        return _find_exec(cmd, file)
    if prog not in ("chown", "chgrp", "chmod"):
        return []
    ops = positional(cmd, ("--from", "--reference"))
    recursive = has_flag(cmd, "-R", "--recursive")
    if prog == "chmod":
        # modes like -w look like options: take them back
        mode_words = [a for a in cmd.argv[1:] if re.fullmatch(r"[-+=][rwxXstugo]+", a)]
        if mode_words and (not ops or not re.fullmatch(r"[0-7]{3,4}|[ugoa]*[-+=].*", ops[0])):
            ops = [mode_words[0], *ops]
    if has_flag(cmd, "--reference"):
        ref = flag_value(cmd, "--reference")
        return [
            OwnershipChange(
                prog, tuple(ops), None, None, f"like {ref}", recursive, file, cmd.line, cmd.text
            )
        ]
    if len(ops) < 2:
        return []
    spec, paths = ops[0], tuple(ops[1:])
    owner: str | None = None
    group: str | None = None
    mode: str | None = None
    if prog == "chown":
        owner, group = owner_spec(spec)
    elif prog == "chgrp":
        group = spec
    else:
        mode = spec
    return [OwnershipChange(prog, paths, owner, group, mode, recursive, file, cmd.line, cmd.text)]


def _find_exec(cmd: Command, file: str) -> list[OwnershipChange]:
    args = list(cmd.argv[1:])
    roots: list[str] = []
    for a in args:
        if a.startswith("-") or a in ("!", "(", ")", "\\!", "\\(", "\\)"):
            break
        roots.append(a)
    out: list[OwnershipChange] = []
    for i, a in enumerate(args):
        if a not in ("-exec", "-execdir", "-ok", "-okdir"):
            continue
        inner: list[str] = []
        for b in args[i + 1 :]:
            if b in (";", "\\;", "+"):
                break
            inner.append(b)
        if not inner:
            continue
        sub = Command(tuple(inner), cmd.line, cmd.text)
        for oc in ownership_change(sub, file):
            paths = tuple(p for p in oc.paths if p != "{}") + tuple(roots or ["."])
            out.append(
                OwnershipChange(
                    oc.tool, paths, oc.owner, oc.group, oc.mode, True, file, cmd.line, cmd.text
                )
            )
    return out


def setcap(cmd: Command, file: str) -> SetCap | None:
    if not cmd.argv or basename(cmd.argv[0]) != "setcap":
        return None
    ops = positional(cmd, ("-n",))
    if has_flag(cmd, "-r"):
        return None  # removing capabilities needs no privilege worth reporting
    if not ops:
        return None
    caps = ops[0]
    return SetCap(caps, tuple(ops[1:]), file, cmd.line, cmd.text)


def is_root_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith(_NOT_FILES):
        return False
    return path.startswith(_ROOT_PREFIXES) or path.rstrip("/") in {
        p.rstrip("/") for p in _ROOT_PREFIXES
    }


def writes(cmd: Command) -> list[tuple[str, str]]:
    """(path, how) for every file or directory the command creates or modifies."""
    out: list[tuple[str, str]] = []
    for r in cmd.redirects:
        if r.writes:
            out.append((r.target, "redirect"))
    if not cmd.argv:
        return out
    prog = basename(cmd.argv[0])
    if prog in ("mkdir", "touch", "truncate", "mkfifo"):
        mk_vals = ("-m", "--mode", "-s", "--size", "-r", "--reference", "-d", "--date", "-t")
        out.extend((p, prog) for p in positional(cmd, mk_vals))
    elif prog == "tee":
        out.extend((p, "tee") for p in positional(cmd))
    elif prog in ("cp", "mv", "install", "ln", "rsync"):
        vals = (
            "-t",
            "--target-directory",
            "-m",
            "--mode",
            "-o",
            "--owner",
            "-g",
            "--group",
            "-S",
            "--suffix",
        )
        target = flag_value(cmd, "-t", "--target-directory")
        ops = positional(cmd, vals)
        if target:
            out.append((target, prog))
        elif prog == "install" and has_flag(cmd, "-d", "--directory"):
            out.extend((p, prog) for p in ops)
        elif len(ops) >= 2 or (prog == "ln" and ops):
            out.append((ops[-1], prog))
    elif prog == "sed" and has_flag(cmd, "-i", "--in-place"):
        ops = positional(cmd, ("-e", "--expression", "-f", "--file"))
        scripted = has_flag(cmd, "-e", "--expression", "-f", "--file")
        out.extend((p, "sed -i") for p in (ops if scripted else ops[1:]))
    elif prog == "envsubst":
        pass  # writes only through its redirect
    return out


def created_paths(cmd: Command, file: str) -> list[CreatedPath]:
    """Files and directories the command makes, with the file each is a copy of.

    Copies and redirections name their file; database initialisers (``initdb -D DIR``,
    ``mariadb-install-db --datadir=DIR``) make their data directory. Paths with variables
    that are still unexpanded are left out.
    """
    out: list[CreatedPath] = []
    for r in cmd.redirects:
        if r.writes and r.op not in (">>", "&>>"):
            out.append(CreatedPath(r.target, None, "redirect", file, cmd.line))
    if cmd.argv:
        prog = basename(cmd.argv[0])
        if prog in ("cp", "install") and not has_flag(cmd, "-d", "--directory", "-r", "-R", "-a"):
            vals = ("-t", "--target-directory", "-m", "--mode", "-o", "--owner", "-g", "--group")
            ops = positional(cmd, vals)
            target = flag_value(cmd, "-t", "--target-directory")
            sources, dest = (ops, target) if target else (ops[:-1], ops[-1] if ops else None)
            if dest is not None:
                for src in sources:
                    into = dest.endswith("/") or target is not None or len(sources) > 1
                    path = posixpath.join(dest, posixpath.basename(src)) if into else dest
                    out.append(CreatedPath(path, src, prog, file, cmd.line))
        elif prog in ("mkdir", "touch") or (prog == "install" and has_flag(cmd, "-d")):
            for path in positional(cmd, ("-m", "--mode")):
                out.append(CreatedPath(path, None, prog, file, cmd.line))
        elif prog in ("initdb", "pg_ctl", "pg_ctlcluster") or prog.endswith("-install-db"):
            d = flag_value(cmd, "-D", "--pgdata", "--datadir")
            if d and (prog != "pg_ctl" or "initdb" in cmd.argv):
                out.append(CreatedPath(d, None, prog, file, cmd.line))
        elif prog == "mysql_install_db":
            d = flag_value(cmd, "--datadir")
            if d:
                out.append(CreatedPath(d, None, prog, file, cmd.line))
    return [
        c
        for c in out
        if c.path.startswith("/")
        and "$" not in c.path
        and (c.source is None or "$" not in c.source)
    ]


_USER_TOP = frozenset({"tmp", "dev", "proc", "sys", "home", "mnt", "media"})


def creates_top_level(path: str, how: str) -> bool:
    """``mkdir -p /data``: creating an entry directly in ``/`` needs root (best effort: with image
    metadata, an existing writable path is not reported)."""
    if how not in ("mkdir", "touch") or not path.startswith("/") or "$" in path:
        return False
    top = path.strip("/").split("/", 1)[0]
    return bool(top) and top not in _USER_TOP


def root_path_writes(cmd: Command, file: str) -> list[RootPathWrite]:
    return [
        RootPathWrite(path, how, file, cmd.line, cmd.text)
        for path, how in writes(cmd)
        if is_root_path(path) or creates_top_level(path, how)
    ]
