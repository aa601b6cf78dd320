"""Reading one command's words: which program it really runs, its flags, and its operands.

Containers hide the real program behind wrappers (``exec``, ``env``, ``nohup``, ``tini --``) and
privilege switchers (``gosu``, ``su-exec``, ``setpriv``, ``su -c``...). Rules need both views: the
wrapper itself (a drop is a finding) and the program underneath (``redis-server --port 80``), so
:func:`peel` removes exactly one layer and says what it was, :func:`program` strips only the
transparent wrappers, and :func:`unwrap` strips them all.

Option parsing is table-driven and conservative: each wrapper lists the options that take a value;
anything unknown is treated as a flag without a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from unroot.shell.command import Command

__all__ = [
    "Command",
    "Peeled",
    "basename",
    "flag_value",
    "has_flag",
    "is_assignment",
    "peel",
    "positional",
    "program",
    "unwrap",
]

_MAX_PEEL = 12

# Wrappers that run their operand with the same identity ("transparent").
_TRANSPARENT = frozenset(
    {
        "exec",
        "env",
        "nohup",
        "command",
        "builtin",
        "time",
        "nice",
        "ionice",
        "stdbuf",
        "timeout",
        "tini",
        "tini-static",
        "dumb-init",
        "catatonit",
        "busybox",
        "setsid",
        "chronic",
        "xvfb-run",
    }
)


@dataclass(frozen=True, slots=True)
class Peeled:
    """One wrapper layer taken off a command."""

    tool: str
    """The wrapper's program name (``gosu``, ``env``, ``setpriv``...)."""
    inner: Command
    """The command the wrapper runs (argv may be empty: ``su postgres`` starts a login shell)."""
    user: str | None = None
    """The user it switches to, if it switches (``None`` for transparent wrappers)."""
    group: str | None = None
    switches_user: bool = False
    options: tuple[str, ...] = ()
    """The wrapper's own option words (between its name and the operand)."""
    script: tuple[Command, ...] = ()
    """For ``su USER -c 'string'`` style wrappers: every command of the string."""


_Handler = Callable[[Command, str, tuple[str, ...]], Peeled | None]

ScriptParser = Callable[[str], Sequence[Command]]
"""Parses a shell string into its commands: ``unroot.shell.parse.parse_commands``. Passed in
rather than imported, because the parser itself peels wrappers to find nested scripts;
:mod:`unroot.shell.unwrap` binds it for everyone else."""
_ScriptHandler = Callable[[Command, str, tuple[str, ...], ScriptParser], Peeled | None]


def basename(word: str) -> str:
    if "/" not in word:
        return word
    return word.rstrip("/").rsplit("/", 1)[-1]


def is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return (
        bool(eq)
        and bool(name)
        and (name[0].isalpha() or name[0] == "_")
        and all(c.isalnum() or c == "_" for c in name)
    )


# -- generic option scanning --------------------------------------------------------------------


def _split_opts(
    args: tuple[str, ...], with_value: Iterable[str], *, stop_at_positional: bool = True
) -> tuple[list[str], int]:
    """Consume options from ``args``; return (option words, index of the first operand).

    ``with_value`` names options that take a value (``-u``, ``--user``); a long one may also be
    written ``--user=x`` and a short one ``-ux``. ``--`` ends the options.
    """
    takes = set(with_value)
    opts: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            opts.append(a)
            return opts, i + 1
        if not a.startswith("-") or a == "-":
            if stop_at_positional:
                return opts, i
            i += 1
            continue
        opts.append(a)
        if a.startswith("--"):
            if "=" not in a and a in takes and i + 1 < len(args):
                opts.append(args[i + 1])
                i += 1
        elif len(a) == 2 and a in takes and i + 1 < len(args):
            opts.append(args[i + 1])
            i += 1
        elif len(a) > 2:
            # combined short flags: the first one that takes a value swallows the rest
            for j, ch in enumerate(a[1:], start=1):
                if f"-{ch}" in takes:
                    if j == len(a) - 1 and i + 1 < len(args):
                        opts.append(args[i + 1])
                        i += 1
                    break
        i += 1
    return opts, i


def _opt(opts: list[str], *names: str) -> str | None:
    """Value of the last of ``names`` among already split option words."""
    found: str | None = None
    i = 0
    while i < len(opts):
        a = opts[i]
        for n in names:
            if a == n and i + 1 < len(opts):
                found = opts[i + 1]
            elif n.startswith("--") and a.startswith(n + "="):
                found = a[len(n) + 1 :]
            elif (
                len(n) == 2
                and not n.startswith("--")
                and a.startswith(n)
                and len(a) > 2
                and (not a.startswith("--"))
            ):
                found = a[2:]
        i += 1
    return found


def _user_group(spec: str) -> tuple[str, str | None]:
    user, sep, group = spec.partition(":")
    return user, (group if sep else None)


# -- peeling one wrapper ----------------------------------------------------------------------


def is_wrapper(word: str) -> bool:
    """True if ``word`` names a program :func:`peel` knows (cheap pre-check)."""
    name = basename(word)
    return name in _HANDLERS or name in _SCRIPT_HANDLERS


def peel(cmd: Command, parse: ScriptParser) -> Peeled | None:
    """Take one wrapper off ``cmd``; None if argv[0] is not a known wrapper."""
    if not cmd.argv:
        return None
    tool = basename(cmd.argv[0])
    args = cmd.argv[1:]
    handler = _HANDLERS.get(tool)
    if handler is not None:
        return handler(cmd, tool, args)
    script_handler = _SCRIPT_HANDLERS.get(tool)
    if script_handler is not None:
        return script_handler(cmd, tool, args, parse)
    return None


def _inner(cmd: Command, argv: Iterable[str], extra_assign: Iterable[str] = ()) -> Command:
    extra = tuple(extra_assign)
    return replace(cmd, argv=tuple(argv), assignments=cmd.assignments + extra)


def _plain(with_value: tuple[str, ...] = ()) -> _Handler:
    def handle(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
        opts, i = _split_opts(args, with_value)
        return Peeled(tool, _inner(cmd, args[i:]), options=tuple(opts))

    return handle


def _exec(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(args, ("-a",))
    if i >= len(args):
        return None  # `exec >log 2>&1`: only redirections
    return Peeled(tool, _inner(cmd, args[i:]), options=tuple(opts))


def _command(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(args, ())
    if any(o in ("-v", "-V") for o in opts) or i >= len(args):
        return None  # `command -v x` looks a program up, it does not run it
    return Peeled(tool, _inner(cmd, args[i:]), options=tuple(opts))


def _env(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(
        args, ("-u", "--unset", "-C", "--chdir", "-S", "--split-string", "--block-signal")
    )
    split = _opt(opts, "-S", "--split-string")
    rest = list(args[i:])
    if split is not None:
        rest = split.split() + rest
    assigns: list[str] = []
    while rest and (is_assignment(rest[0]) or rest[0] == "-"):
        word = rest.pop(0)
        if word != "-":
            assigns.append(word)
    if not rest:
        return None  # `env` alone prints the environment
    return Peeled(tool, _inner(cmd, rest, assigns), options=tuple(opts))


def _nice(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    rest = list(args)
    opts: list[str] = []
    while rest and rest[0].startswith("-") and rest[0] != "--":
        w = rest.pop(0)
        opts.append(w)
        if w in ("-n", "--adjustment") and rest:
            opts.append(rest.pop(0))
    if rest and rest[0] == "--":
        rest.pop(0)
    return Peeled(tool, _inner(cmd, rest), options=tuple(opts)) if rest else None


def _timeout(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(args, ("-s", "--signal", "-k", "--kill-after"))
    if i + 1 >= len(args):
        return None
    return Peeled(tool, _inner(cmd, args[i + 1 :]), options=(*opts, args[i]))


def _ionice(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(args, ("-c", "--class", "-n", "--classdata"))
    if any(o in ("-p", "-P", "-u", "--pid", "--pgid", "--uid") for o in opts) or i >= len(args):
        return None
    return Peeled(tool, _inner(cmd, args[i:]), options=tuple(opts))


def _busybox(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    if not args or args[0].startswith("-"):
        return None
    return Peeled(tool, _inner(cmd, args))


def _switch(
    cmd: Command, tool: str, inner_argv: Iterable[str], spec: str | None, opts: Iterable[str] = ()
) -> Peeled:
    user, group = _user_group(spec) if spec else (None, None)
    return Peeled(
        tool,
        _inner(cmd, inner_argv),
        user=user,
        group=group,
        switches_user=user is not None or group is not None,
        options=tuple(opts),
    )


def _gosu(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    # gosu/su-exec/s6-setuidgid/setuidgid: USER[:GROUP] COMMAND...
    rest = list(args)
    while rest and rest[0].startswith("-") and rest[0] not in ("--",):
        rest.pop(0)  # su-exec has no options, but be lenient
    if rest and rest[0] == "--":
        rest.pop(0)
    if not rest:
        return None
    return _switch(cmd, tool, rest[1:], rest[0])


_SETPRIV_VALUE = (
    "--reuid",
    "--regid",
    "--ruid",
    "--euid",
    "--rgid",
    "--egid",
    "--groups",
    "--inh-caps",
    "--ambient-caps",
    "--bounding-set",
    "--securebits",
    "--pdeathsig",
    "--selinux-label",
    "--apparmor-profile",
    "--landlock-access",
    "--landlock-rule",
    "--seccomp-filter",
)


def _setpriv(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(args, _SETPRIV_VALUE)
    user = _opt(opts, "--reuid", "--euid", "--ruid")
    group = _opt(opts, "--regid", "--egid", "--rgid")
    p = Peeled(
        tool,
        _inner(cmd, args[i:]),
        user=user,
        group=group,
        switches_user=user is not None or group is not None,
        options=tuple(opts),
    )
    return p


def _chroot(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(args, ("--userspec", "--groups"))
    if i >= len(args):
        return None
    spec = _opt(opts, "--userspec")
    return _switch(cmd, tool, args[i + 1 :], spec, opts)


def _shell_string(cmd: Command, text: str, parse: ScriptParser) -> tuple[Command, ...]:
    inner = parse(text)
    return tuple(replace(c, line=cmd.line, text=cmd.text, via_shell_c=True) for c in inner)


def _su_like(cmd: Command, tool: str, args: tuple[str, ...], parse: ScriptParser) -> Peeled | None:
    """``su [-] [opts] [USER] [-c STRING]`` and ``runuser`` (which also has ``-u USER CMD``)."""
    value_opts = (
        "-c",
        "--command",
        "-s",
        "--shell",
        "-g",
        "--group",
        "-G",
        "--supp-group",
        "-u",
        "--user",
        "-w",
        "--whitelist-environment",
        "-C",
        "--session-command",
    )
    opts, _i = _split_opts(args, value_opts, stop_at_positional=False)
    operands = _operands(args, value_opts)
    login_user = _opt(opts, "-u", "--user")
    group = _opt(opts, "-g", "--group")
    if tool == "runuser" and login_user is not None:
        # runuser -u USER [--] COMMAND [ARGS]: everything after the options is the command
        _, j = _split_opts(args, value_opts)
        p = _switch(cmd, tool, args[j:], login_user, opts)
        return replace(p, group=group or p.group)
    user = next((o for o in operands if o != "-"), "root")
    string = _opt(opts, "-c", "--command", "-C", "--session-command")
    script: tuple[Command, ...] = ()
    inner_argv: tuple[str, ...] = ()
    if string is not None:
        script = _shell_string(cmd, string, parse)
        real = [c for c in script if c.argv]
        inner_argv = real[-1].argv if real else ()
    return Peeled(
        tool,
        _inner(cmd, inner_argv),
        user=user,
        group=group,
        switches_user=True,
        options=tuple(opts),
        script=script,
    )


def _operands(args: tuple[str, ...], value_opts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i + 1 :])
            break
        if a == "-":
            out.append(a)
        elif a.startswith("-"):
            if a in value_opts and "=" not in a:
                i += 1
        else:
            out.append(a)
        i += 1
    return out


def _sudo(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    value = (
        "-u",
        "--user",
        "-g",
        "--group",
        "-C",
        "--close-from",
        "-D",
        "--chdir",
        "-h",
        "--host",
        "-p",
        "--prompt",
        "-r",
        "--role",
        "-t",
        "--type",
        "-T",
        "--command-timeout",
        "-U",
        "--other-user",
    )
    opts, i = _split_opts(args, value)
    if any(
        o in ("-l", "--list", "-v", "--validate", "-k", "-K", "-V", "-e", "--edit") for o in opts
    ) and i >= len(args):
        return None
    rest = list(args[i:])
    assigns: list[str] = []
    while rest and is_assignment(rest[0]):
        assigns.append(rest.pop(0))
    user = _opt(opts, "-u", "--user") or "root"
    group = _opt(opts, "-g", "--group")
    return Peeled(
        tool,
        _inner(cmd, rest, assigns),
        user=user,
        group=group,
        switches_user=True,
        options=tuple(opts),
    )


def _s6_applyuidgid(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(args, ("-u", "-g", "-G"))
    uid = _opt(opts, "-u")
    gid = _opt(opts, "-g")
    return Peeled(
        tool,
        _inner(cmd, args[i:]),
        user=uid,
        group=gid,
        switches_user=uid is not None or gid is not None,
        options=tuple(opts),
    )


def _chpst(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    value = ("-u", "-U", "-b", "-e", "-/", "-n", "-l", "-L", "-m", "-d", "-o", "-p", "-f", "-c")
    opts, i = _split_opts(args, value)
    spec = _opt(opts, "-u")
    if spec is not None:
        spec = spec.lstrip(":")
    return _switch(cmd, tool, args[i:], spec, opts)


def _doas(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    opts, i = _split_opts(args, ("-u", "-C"))
    return Peeled(
        tool,
        _inner(cmd, args[i:]),
        user=_opt(opts, "-u") or "root",
        switches_user=True,
        options=tuple(opts),
    )


def _start_stop_daemon(cmd: Command, tool: str, args: tuple[str, ...]) -> Peeled | None:
    value = (
        "-c",
        "--chuid",
        "-u",
        "--user",
        "-x",
        "--exec",
        "-a",
        "--startas",
        "-p",
        "--pidfile",
        "-n",
        "--name",
        "-g",
        "--group",
        "-d",
        "--chdir",
        "-r",
        "--chroot",
        "-N",
        "--nicelevel",
        "-P",
        "--procsched",
        "-I",
        "--iosched",
        "-k",
        "--umask",
        "-R",
        "--retry",
        "-s",
        "--signal",
        "--ppid",
        "--output",
        "--notify-timeout",
    )
    opts, _i = _split_opts(args, value, stop_at_positional=False)
    prog = _opt(opts, "-a", "--startas") or _opt(opts, "-x", "--exec")
    if prog is None:
        return None
    tail = list(args[args.index("--") + 1 :]) if "--" in args else []
    spec = _opt(opts, "-c", "--chuid")
    p = _switch(cmd, tool, [prog, *tail], spec, opts)
    group = _opt(opts, "-g", "--group")
    return replace(p, group=group or p.group, switches_user=p.switches_user or group is not None)


def _capsh(cmd: Command, tool: str, args: tuple[str, ...], parse: ScriptParser) -> Peeled | None:
    opts: list[str] = []
    user: str | None = None
    rest: list[str] = []
    for j, a in enumerate(args):
        if a == "--":
            rest = list(args[j + 1 :])
            break
        opts.append(a)
        if a.startswith("--user="):
            user = a.split("=", 1)[1]
        elif a.startswith("--uid="):
            user = user or a.split("=", 1)[1]
    script: tuple[Command, ...] = ()
    inner_argv: tuple[str, ...] = ()
    if len(rest) >= 2 and rest[0] == "-c":
        script = _shell_string(cmd, rest[1], parse)
        real = [c for c in script if c.argv]
        inner_argv = real[-1].argv if real else ()
    return Peeled(
        tool,
        _inner(cmd, inner_argv),
        user=user,
        switches_user=user is not None,
        options=tuple(opts),
        script=script,
    )


_HANDLERS: dict[str, _Handler] = {
    "exec": _exec,
    "env": _env,
    "nohup": _plain(),
    "command": _command,
    "builtin": _plain(),
    "time": _plain(("-f", "--format", "-o", "--output")),
    "nice": _nice,
    "ionice": _ionice,
    "stdbuf": _plain(("-i", "-o", "-e", "--input", "--output", "--error")),
    "timeout": _timeout,
    "tini": _plain(("-s", "-p", "-e", "-t", "-w", "-g", "-l")),
    "tini-static": _plain(("-s", "-p", "-e", "-t", "-w", "-g", "-l")),
    "dumb-init": _plain(("-r", "--rewrite")),
    "catatonit": _plain(),
    "busybox": _busybox,
    "setsid": _plain(),
    "chronic": _plain(),
    "xvfb-run": _plain(
        (
            "-n",
            "--server-num",
            "-s",
            "--server-args",
            "-e",
            "--error-file",
            "-f",
            "--auth-file",
            "-p",
            "--xauth-protocol",
            "-w",
            "--wait",
        )
    ),
    "gosu": _gosu,
    "su-exec": _gosu,
    "s6-setuidgid": _gosu,
    "setuidgid": _gosu,
    "s6-applyuidgid": _s6_applyuidgid,
    "setpriv": _setpriv,
    "chroot": _chroot,
    "sudo": _sudo,
    "doas": _doas,
    "chpst": _chpst,
    "start-stop-daemon": _start_stop_daemon,
}
_SCRIPT_HANDLERS: dict[str, _ScriptHandler] = {
    "su": _su_like,
    "runuser": _su_like,
    "capsh": _capsh,
}


# -- public helpers ---------------------------------------------------------------------------


def program(cmd: Command, parse: ScriptParser) -> str:
    """Basename of the program run, after stripping transparent wrappers (exec, env, nohup...).

    Privilege switchers (sudo, gosu...) stay visible: ``program("sudo ls") == "sudo"``.
    """
    cur = cmd
    for _ in range(_MAX_PEEL):
        if not cur.argv:
            return ""
        name = basename(cur.argv[0])
        if name not in _TRANSPARENT:
            return name
        p = peel(cur, parse)
        if p is None:
            return name
        cur = p.inner
    return basename(cur.argv[0]) if cur.argv else ""


def unwrap(cmd: Command, parse: ScriptParser) -> Command:
    """The command that every wrapper layer (transparent or switching user) finally runs."""
    cur = cmd
    for _ in range(_MAX_PEEL):
        p = peel(cur, parse)
        if p is None or not p.inner.argv:
            return cur
        cur = p.inner
    return cur


def strip_transparent(cmd: Command, parse: ScriptParser) -> Command:
    """``cmd`` without the transparent wrappers (exec, env, nohup...), switchers kept."""
    cur = cmd
    for _ in range(_MAX_PEEL):
        if not cur.argv or basename(cur.argv[0]) not in _TRANSPARENT:
            return cur
        p = peel(cur, parse)
        if p is None or not p.inner.argv:
            return cur
        cur = p.inner
    return cur


def layers(cmd: Command, parse: ScriptParser) -> list[Peeled]:
    """Every wrapper layer of ``cmd``, outermost first."""
    out: list[Peeled] = []
    cur = cmd
    for _ in range(_MAX_PEEL):
        p = peel(cur, parse)
        if p is None:
            break
        out.append(p)
        if not p.inner.argv:
            break
        cur = p.inner
    return out


def _args(cmd: Command) -> tuple[str, ...]:
    """Arguments up to ``--`` (options after it are operands)."""
    args = cmd.argv[1:]
    if "--" in args:
        return args[: args.index("--")]
    return args


def has_flag(cmd: Command, *flags: str) -> bool:
    """True if any of ``flags`` is given: ``-R``, ``-Rf`` (combined), ``--long``, ``--long=v``."""
    for a in _args(cmd):
        if not a.startswith("-") or a == "-":
            continue
        for f in flags:
            if a == f:
                return True
            if f.startswith("--") or (len(f) > 2 and f.startswith("-")):
                if a.startswith(f + "="):
                    return True
            elif len(f) == 2 and not a.startswith("--") and len(a) > 2 and f[1] in a[1:]:
                return True
    return False


def flag_value(cmd: Command, *flags: str) -> str | None:
    """Value of the first of ``flags`` found: ``--port 80``, ``--port=80``, ``-p 80``, ``-p80``."""
    args = _args(cmd)
    for i, a in enumerate(args):
        if not a.startswith("-") or a == "-":
            continue
        for f in flags:
            if a == f:
                return args[i + 1] if i + 1 < len(args) else None
            if (f.startswith("--") or len(f) > 2) and a.startswith(f + "="):
                return a[len(f) + 1 :]
            if len(f) == 2 and not a.startswith("--") and a.startswith(f) and len(a) > 2:
                return a[2:]
    return None


def positional(cmd: Command, with_value: Iterable[str] = ()) -> list[str]:
    """Operands of ``cmd``: words that are not options (everything after ``--``).

    ``with_value`` names options whose next word is their value, so it is not an operand.
    """
    takes = set(with_value)
    out: list[str] = []
    args = cmd.argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i + 1 :])
            break
        if a.startswith("-") and a != "-":
            if a in takes:
                i += 1
        else:
            out.append(a)
        i += 1
    return out
