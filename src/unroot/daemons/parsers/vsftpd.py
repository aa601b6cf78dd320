"""vsftpd: ``listen_port`` (default 21), ``nopriv_user``, and the checks it makes of who runs it.

vsftpd reads the file named on its command line (default /etc/vsftpd.conf). It refuses a
config file that is not owned by the user running it ("500 OOPS: config file not owned by
correct user, or not a file"), and it refuses to start unless it is root, except with
``run_as_launching_user=YES`` ("must be started as root"). It writes these reasons to file
descriptor 0, so they do not show in a detached container's log.
"""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, IdentityCheck, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines, open_config
from unroot.untrusted import is_decimal

DEFAULT_PORT = 21
_YES = frozenset({"yes", "true", "1"})
_TLS_FILES = ("rsa_cert_file", "rsa_private_key_file", "dsa_cert_file", "dsa_private_key_file")


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in logical_lines(text):
        key, _, value = stmt.partition("=")
        key, value = key.strip().lower(), value.strip()
        cfg.options[key] = value
        cfg.options[f"{key}@"] = str(line)
        if key == "listen_port" and is_decimal(value):
            cfg.listen = [Listen(int(value), "tcp", path, line, "", key)]
        elif key == "nopriv_user" and value:
            cfg.user = Setting(value, path, line, key)
        elif key in ("xferlog_file", "vsftpd_log_file") and value:
            cfg.add_path(value, "log", path, line, key, fatal=False)
        elif key in _TLS_FILES and value:
            cfg.options[f"read:{key}"] = value
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "listen_port", default=True))


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    operands = [a for a in argv[1:] if not a.startswith("-")]
    return operands[0] if operands else None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    if not cfg.files:
        return
    main = cfg.files[0]
    cfg.identity.append(
        IdentityCheck(
            "owner",
            main,
            main,
            0,
            "config file",
            "500 OOPS: config file not owned by correct user, or not a file",
            f"Keep the config in the image and copy it at start ('cp {main} /tmp/vsftpd.conf "
            "&& exec vsftpd /tmp/vsftpd.conf'): the copy belongs to whatever UID runs the "
            "container.",
        )
    )
    launching = cfg.options.get("run_as_launching_user", "no").lower() in _YES
    if not launching:
        line = int(cfg.options.get("run_as_launching_user@", "0"))
        cfg.identity.append(
            IdentityCheck(
                "root",
                "",
                main,
                line,
                "run_as_launching_user",
                "500 OOPS: vsftpd: must be started as root (see run_as_launching_user option)",
                "Set 'run_as_launching_user=YES' (vsftpd then runs as the container's UID, "
                "without privilege separation or chroot).",
            )
        )
    if cfg.options.get("ssl_enable", "no").lower() in _YES:
        for key in (
            "rsa_cert_file",
            "rsa_private_key_file",
            "dsa_cert_file",
            "dsa_private_key_file",
        ):
            value = cfg.options.get(f"read:{key}")
            if value:
                line = int(cfg.options.get(f"{key}@", "0"))
                kind = "key" if "private" in key else "cert"
                cfg.add_read(value, kind, main, line, key)
