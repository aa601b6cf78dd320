"""OpenLDAP slapd: the listeners of ``-h`` (ldap:/// is 389, ldaps:/// 636, ldapi:/// a
socket), ``-u``/``-g``, and from its configuration (the cn=config directory of ``-F``, by
default /etc/ldap/slapd.d, or the file of ``-f``) the pid file and the database directories.

Run as 1000680000:0 without capabilities, Debian's packaged setup stops on the LDAP port
("bind(6) failed errno=13"); on a high port it stops on ``-u``/``-g`` ("Could not set real
group id"); without them on the cn=config files, 0600 openldap ("ldif_read_file: Permission
denied").
"""

from __future__ import annotations

import posixpath
import re

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.source import ConfigSource, open_config

_URL = re.compile(r"^(ldaps?|ldapi|cldap)://([^/]*)/?$", re.I)
_PORTS = {"ldap": 389, "ldaps": 636, "cldap": 389}
DEFAULT_SERVICES = "ldap:///"


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    if path.endswith(".ldif"):
        _cn_config(src, path, cfg)
    else:
        _slapd_conf(src, path, cfg)


def _cn_config(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    """cn=config.ldif and the entries below cn=config/ (one attribute per line)."""
    base = path.removesuffix(".ldif")
    for file in [path, *src.glob(base + "/*.ldif"), *src.glob(base + "/*/*.ldif")]:
        text = open_config(src, file, cfg.files)
        if text is None:
            continue
        for line_no, line in enumerate(text.split("\n"), start=1):
            attr, sep, value = line.partition(":")
            if not sep:
                continue
            _attribute(cfg, attr.strip().lower(), value.strip(), file, line_no)


def _slapd_conf(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line_no, line in enumerate(text.split("\n"), start=1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        key = {"pidfile": "olcpidfile", "argsfile": "olcargsfile", "directory": "olcdbdirectory"}
        if words[0] in key and len(words) > 1:
            _attribute(cfg, key[words[0]], words[1], path, line_no)


def _attribute(cfg: DaemonConfig, attr: str, value: str, file: str, line: int) -> None:
    if attr in ("olcpidfile", "olcargsfile"):
        cfg.add_path(value, "pid", file, line, attr)
    elif attr == "olcdbdirectory":
        cfg.add_path(value, "data", file, line, attr, is_dir=True, contents=True)
    elif attr in ("olctlscertificatefile", "olctlscacertificatefile"):
        cfg.add_read(value, "cert", file, line, attr)
    elif attr == "olctlscertificatekeyfile":
        cfg.add_read(value, "key", file, line, attr)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-F":
            return posixpath.join(argv[i + 1], "cn=config.ldif")
        if a == "-f":
            return argv[i + 1]
    return None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    services = DEFAULT_SERVICES
    for i, a in enumerate(args[:-1]):
        if a == "-h":
            services = args[i + 1]
        elif a == "-u":
            cfg.user = Setting(args[i + 1], "argv", 0, "-u")
        elif a == "-g":
            cfg.group = Setting(args[i + 1], "argv", 0, "-g")
    cfg.listen = []
    for url in services.split():
        m = _URL.match(url)
        if not m:
            continue
        scheme, host = m.group(1).lower(), m.group(2)
        if scheme == "ldapi":
            # Debian's compiled-in socket when the URL names none
            target = (
                "/run/slapd/ldapi" if not host else host.replace("%2F", "/").replace("%2f", "/")
            )
            cfg.add_path(target, "socket", "argv", 0, "-h ldapi")
            continue
        port = _PORTS[scheme]
        if host.rsplit(":", 1)[-1].isdigit() and ":" in host:
            host, port = host.rsplit(":", 1)[0], int(host.rsplit(":", 1)[1])
        proto = "udp" if scheme == "cldap" else "tcp"
        cfg.listen.append(Listen(port, proto, "argv", 0, host, "-h"))
