"""Apache httpd: ``Listen``, ``User``/``Group``, ``PidFile``, logs, runtime and lock directories,
TLS keys, read the way httpd reads them.

- Sections are evaluated in order: ``<IfModule>`` against the modules compiled in and the
  ``LoadModule`` lines seen so far (``ssl_module`` and ``mod_ssl.c`` both name mod_ssl),
  ``<IfDefine>`` against ``-D`` on the command line and ``Define``, ``<IfFile>`` against the
  image. Directives in an inactive section (``Listen 443`` in ``<IfModule ssl_module>`` while
  mod_ssl is not loaded) are not read, and neither are the files such a section includes.
- ``${VAR}`` comes from ``Define``, the container environment, and Debian's ``envvars`` next
  to apache2.conf, which apache2ctl sources: it is evaluated as the shell evaluates it
  (``APACHE_RUN_DIR=/var/run/apache2$SUFFIX`` with ``SUFFIX`` set in an ``if``).
- Paths are relative to ``ServerRoot``: ``/etc/apache2`` for Debian's layout, the directory
  above ``conf/`` for upstream's.
- Without root, httpd skips its switch to ``User``/``Group`` (mod_unixd changes identity only
  when started as root), so those directives are harmless there.
"""

from __future__ import annotations

import posixpath
import re

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config, resolve

_ENVVAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECTION = re.compile(r"^<\s*(/?)\s*([A-Za-z]+)\s*(.*?)\s*>$")
STATIC_MODULES = frozenset(
    {"core", "so", "watchdog", "http_core", "log_config", "logio", "version", "unixd"}
)
"""Compiled into Debian's and upstream's httpd (``apache2 -l``)."""
_CONDITIONAL = frozenset(
    {"ifmodule", "ifdefine", "iffile", "ifversion", "ifdirective", "ifsection"}
)
_TLS_READS = {
    "sslcertificatefile": "cert",
    "sslcertificatekeyfile": "key",
    "sslcertificatechainfile": "cert",
    "sslcacertificatefile": "cert",
}


def envvars(src: ConfigSource, path: str) -> dict[str, str]:
    """Variables from Debian's ``envvars`` next to apache2.conf, as apache2ctl sources it."""
    from unroot.shell.envfile import evaluate

    directory = posixpath.dirname(path)
    text = src.read(posixpath.join(directory, "envvars"))
    if text is None:
        return {}
    env = {"APACHE_CONFDIR": directory, **src.env}
    return evaluate(text, env, exists=src.exists)


def module_key(name: str) -> str:
    """``ssl_module``, ``mod_ssl.c`` and ``mod_ssl.so`` all give ``ssl``."""
    name = posixpath.basename(name.strip().strip("\"'"))
    for suffix in (".c", ".so", "_module"):
        name = name.removesuffix(suffix)
    return name.removeprefix("mod_")


class _State:
    def __init__(self, src: ConfigSource, root: str, variables: dict[str, str]) -> None:
        self.src = src
        self.root = root
        self.variables = variables
        self.modules: set[str] = set(STATIC_MODULES)
        self.defines: set[str] = set()


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    variables = envvars(src, path)
    variables.update(src.env)
    root = (
        "/etc/apache2"
        if path.startswith("/etc/apache2/")
        else posixpath.dirname(posixpath.dirname(path))
    )
    state = _State(src, root, variables)
    state.defines.update(defines(cfg.argv))
    _parse_file(state, path, cfg)
    cfg.options["modules"] = ",".join(sorted(state.modules))


def _expand(word: str, variables: dict[str, str]) -> str:
    return _ENVVAR.sub(lambda m: variables.get(m.group(1), m.group(0)), word)


def _condition(state: _State, kind: str, arg: str) -> bool:
    arg = _expand(arg.strip().strip("\"'"), state.variables)
    negate = arg.startswith("!")
    arg = arg.lstrip("!").strip()
    if kind == "ifmodule":
        result = module_key(arg) in state.modules
    elif kind == "ifdefine":
        result = arg in state.defines or arg in state.variables
    elif kind == "iffile":
        target = resolve(state.root, arg)
        result = state.src.exists(target)
    else:
        return True  # <IfVersion>, <IfDirective>, <IfSection>: httpd's own facts, assumed met
    return result != negate


def _parse_file(state: _State, path: str, cfg: DaemonConfig) -> None:
    text = open_config(state.src, path, cfg.files)
    if text is None:
        return
    stack: list[bool] = []
    for line, stmt in logical_lines(text, continuation=True):
        section = _SECTION.match(stmt)
        if section:
            closing, kind = section.group(1) == "/", section.group(2).lower()
            if closing:
                if stack:
                    stack.pop()
            elif kind in _CONDITIONAL:
                stack.append(all(stack) and _condition(state, kind, section.group(3)))
            else:
                stack.append(all(stack))
            continue
        if not all(stack):
            continue
        _directive(state, path, line, stmt, cfg)


def _directive(state: _State, path: str, line: int, stmt: str, cfg: DaemonConfig) -> None:
    words = stmt.split()
    name = words[0].lower()
    args = [_expand(w.strip("\"'"), state.variables) for w in words[1:]]
    if not args:
        return
    root = state.root
    if name == "serverroot":
        state.root = args[0]
    elif name == "define":
        state.variables[args[0]] = args[1] if len(args) > 1 else ""
        state.defines.add(args[0])
    elif name == "undefine":
        state.variables.pop(args[0], None)
        state.defines.discard(args[0])
    elif name == "loadmodule":
        state.modules.add(module_key(args[0]))
        if len(args) > 1:
            state.modules.add(module_key(args[1]))
    elif name in ("include", "includeoptional"):
        for inc in state.src.glob(resolve(root, args[0])):
            _parse_file(state, inc, cfg)
    elif name == "listen":
        ap = split_addr_port(args[0])
        if ap is not None:
            cfg.listen.append(Listen(ap[1], "tcp", path, line, ap[0], "Listen"))
    elif name == "user":
        cfg.user = Setting(args[0], path, line, "User")
    elif name == "group":
        cfg.group = Setting(args[0], path, line, "Group")
    elif name == "pidfile":
        cfg.paths = [p for p in cfg.paths if p.directive != "PidFile"]
        cfg.add_path(resolve(root, args[0]), "pid", path, line, "PidFile")
    elif name in ("errorlog", "customlog", "transferlog"):
        if not args[0].startswith(("|", "syslog")):
            cfg.add_path(resolve(root, args[0]), "log", path, line, words[0])
    elif name == "defaultruntimedir":
        cfg.add_path(resolve(root, args[0]), "temp", path, line, words[0], is_dir=True)
    elif name == "mutex" and args[0].startswith(("file:", "fcntl:", "flock:")):
        directory = args[0].split(":", 1)[1]
        if directory:
            cfg.add_path(resolve(root, directory), "temp", path, line, "Mutex", is_dir=True)
    elif name in _TLS_READS:
        cfg.add_read(resolve(root, args[0]), _TLS_READS[name], path, line, words[0])


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a == "-f" and i + 1 < len(argv):
            return argv[i + 1]
    return None


def defines(argv: tuple[str, ...]) -> list[str]:
    """``-D NAME`` on the command line, for ``<IfDefine>``."""
    out: list[str] = []
    for i, a in enumerate(argv):
        if a == "-D" and i + 1 < len(argv):
            out.append(argv[i + 1])
        elif a.startswith("-D") and len(a) > 2:
            out.append(a[2:])
    return out


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """Compiled-in defaults when no directive sets them: the pid file and error log under
    ServerRoot (upstream's ``logs/httpd.pid``, ``logs/error_log``)."""
    main = cfg.files[0] if cfg.files else ""
    if not main or main.startswith("/etc/apache2/"):
        return  # Debian's apache2.conf sets both from envvars
    root = posixpath.dirname(posixpath.dirname(main))
    cfg.set_default_path(("PidFile",), f"{root}/logs/httpd.pid", "pid")
    cfg.set_default_path(("ErrorLog",), f"{root}/logs/error_log", "log")
