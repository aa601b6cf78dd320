"""vsftpd: ``listen_port`` (default 21), ``nopriv_user``, ``ftp_username``, log files."""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines
from unroot.untrusted import is_decimal

DEFAULT_PORT = 21


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = src.read(path)
    if text is None:
        return
    cfg.files.append(path)
    for line, stmt in logical_lines(text):
        key, _, value = stmt.partition("=")
        key, value = key.strip().lower(), value.strip()
        if key == "listen_port" and is_decimal(value):
            cfg.listen = [Listen(int(value), "tcp", path, line, "", key)]
        elif key == "nopriv_user" and value:
            cfg.user = Setting(value, path, line, key)
        elif key in ("xferlog_file", "vsftpd_log_file") and value:
            cfg.add_path(value, "log", path, line, key)
        elif key == "secure_chroot_dir" and value:
            cfg.add_path(value, "chroot", path, line, key, is_dir=True)
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "listen_port", default=True))
