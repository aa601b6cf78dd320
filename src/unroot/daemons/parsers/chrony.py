"""chrony (chronyd): the NTP ``port`` (served only with ``allow``), the pid file, log and
drift files, the key file, from the file ``-f`` names (default
/etc/chrony/chrony.conf, plus ``confdir``/``include``).

chronyd refuses to run unless it is root ("Fatal error : Not superuser"), except with ``-U``;
setting the clock needs CAP_SYS_TIME, which ``-x`` gives up. Run with ``-U -x`` as
1000680000:0 it then stops on its pid file under /run/chrony ("Could not open
/run/chrony/chronyd.pid"); a log directory it cannot create is only reported.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import CapabilityNeed, DaemonConfig, IdentityCheck, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines, open_config


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg, 0)


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig, depth: int) -> None:
    text = open_config(src, path, cfg.files)
    if text is None or depth > 4:
        return
    for line, stmt in logical_lines(text, comment="#!;%"):
        words = stmt.split()
        key, args = words[0].lower(), words[1:]
        if key in ("include", "confdir") and args:
            pattern = args[0] if key == "include" else posixpath.join(args[0], "*.conf")
            for inc in src.glob(pattern):
                _parse_file(src, inc, cfg, depth + 1)
        elif key == "allow":
            cfg.options["allow"] = "yes"
        elif key == "port" and args and args[0].isdigit():
            cfg.options["port"] = f"{args[0]}@{line}@{path}"
        elif key == "pidfile" and args:
            cfg.add_path(args[0], "pid", path, line, key)
        elif key == "logdir" and args:
            cfg.add_path(args[0], "log", path, line, key, is_dir=True, fatal=False, creates=True)
        elif key in ("driftfile", "dumpdir", "ntsdumpdir") and args:
            cfg.add_path(args[0], "data", path, line, key, is_dir=key != "driftfile", fatal=False)
        elif key == "keyfile" and args:
            cfg.add_read(args[0], "key", path, line, key, fatal=False)
        elif key == "user" and args:
            cfg.user = Setting(args[0], path, line, key)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-f":
            return argv[i + 1]
    return None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    for i, a in enumerate(args[:-1]):
        if a == "-u":
            cfg.user = Setting(args[i + 1], "argv", 0, "-u")


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    main = cfg.files[0] if cfg.files else "default"
    if cfg.options.get("allow") == "yes":  # without allow, a client only: no NTP port bound
        value = cfg.options.get("port")
        if value:
            port, line, file = value.split("@", 2)
            if int(port):
                cfg.listen.append(Listen(int(port), "udp", file, int(line), "", "port"))
        else:
            cfg.listen.append(Listen(123, "udp", main, 0, "", "port", default=True))
    cfg.set_default_path(("pidfile",), "/run/chrony/chronyd.pid", "pid")
    args = cfg.argv[1:]
    if "-U" not in args:
        cfg.identity.append(
            IdentityCheck(
                "root",
                "",
                "argv" if cfg.argv else main,
                0,
                "-U",
                "Fatal error : Not superuser",
                "Start chronyd with '-U' (run as any user) and '-x' (do not set the clock, "
                "which needs CAP_SYS_TIME), or leave time to the host.",
            )
        )
    if "-x" not in args:
        cfg.capabilities.append(
            CapabilityNeed(
                "CAP_SYS_TIME",
                "-x",
                "(absent)",
                "argv" if cfg.argv else main,
                0,
                "chronyd sets the system clock unless started with -x",
                "Add '-x' so chronyd only serves time and leaves the clock to the host.",
            )
        )
