"""The daemon table: one entry per server, data only. Add a daemon by adding an entry here and a
parser module in ``parsers/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from unroot.daemons.model import DaemonConfig
from unroot.daemons.parsers import (
    apache,
    bind9,
    dnsmasq,
    haproxy,
    lighttpd,
    memcached,
    mosquitto,
    mysql,
    nginx,
    openssh,
    phpfpm,
    postgres,
    redis,
    squid,
    vsftpd,
)
from unroot.daemons.source import ConfigSource

Parser = Callable[[ConfigSource, str, DaemonConfig], None]
ArgvApplier = Callable[[DaemonConfig, tuple[str, ...]], None]
ArgvConfig = Callable[[tuple[str, ...]], "str | None"]


@dataclass(frozen=True, slots=True)
class DaemonSpec:
    name: str
    binaries: tuple[str, ...]
    """Program basenames that run this daemon."""
    configs: tuple[str, ...]
    """Main config file locations (Debian first, then upstream/official-image), globs allowed."""
    parse: Parser
    apply_argv: ArgvApplier | None = None
    """Command-line options that override the config (``redis-server --port 80``)."""
    config_from_argv: ArgvConfig | None = None
    """The config file named on the command line (``nginx -c FILE``), if any."""
    default_ports: tuple[tuple[int, str], ...] = ()
    """Ports used when the daemon runs with no config at all."""


DAEMONS: tuple[DaemonSpec, ...] = (
    DaemonSpec(
        "nginx",
        ("nginx", "openresty"),
        (
            "/etc/nginx/nginx.conf",
            "/usr/local/nginx/conf/nginx.conf",
            "/usr/local/openresty/nginx/conf/nginx.conf",
        ),
        nginx.parse,
        nginx.apply_argv,
        nginx.config_from_argv,
        ((80, "tcp"),),
    ),
    DaemonSpec(
        "apache",
        ("apache2", "httpd", "apachectl", "apache2ctl", "apache2-foreground", "httpd-foreground"),
        (
            "/etc/apache2/apache2.conf",
            "/usr/local/apache2/conf/httpd.conf",
            "/etc/httpd/conf/httpd.conf",
        ),
        apache.parse,
        None,
        apache.config_from_argv,
        ((80, "tcp"),),
    ),
    DaemonSpec(
        "php-fpm",
        ("php-fpm", *(f"php-fpm{v}" for v in ("7.4", "8.0", "8.1", "8.2", "8.3", "8.4"))),
        (
            "/usr/local/etc/php-fpm.conf",
            "/etc/php/*/fpm/php-fpm.conf",
            "/usr/local/etc/php-fpm.d/*.conf",
            "/etc/php/*/fpm/pool.d/*.conf",
        ),
        phpfpm.parse,
    ),
    DaemonSpec(
        "lighttpd",
        ("lighttpd",),
        ("/etc/lighttpd/lighttpd.conf",),
        lighttpd.parse,
        default_ports=((80, "tcp"),),
    ),
    DaemonSpec(
        "haproxy",
        ("haproxy",),
        ("/usr/local/etc/haproxy/haproxy.cfg", "/etc/haproxy/haproxy.cfg"),
        haproxy.parse,
    ),
    DaemonSpec(
        "redis",
        ("redis-server", "valkey-server"),
        (
            "/etc/redis/redis.conf",
            "/usr/local/etc/redis/redis.conf",
            "/etc/redis.conf",
            "/etc/valkey/valkey.conf",
        ),
        redis.parse,
        redis.apply_argv,
        redis.config_from_argv,
        ((redis.DEFAULT_PORT, "tcp"),),
    ),
    DaemonSpec(
        "postgresql",
        ("postgres", "postmaster", "pg_ctl", "pg_ctlcluster"),
        (
            "/etc/postgresql/*/main/postgresql.conf",
            "/var/lib/postgresql/data/postgresql.conf",
            "/usr/share/postgresql/postgresql.conf.sample",
            "/usr/local/share/postgresql/postgresql.conf.sample",
            "/usr/share/postgresql/*/postgresql.conf.sample",
        ),
        postgres.parse,
        postgres.apply_argv,
        None,
        ((postgres.DEFAULT_PORT, "tcp"),),
    ),
    DaemonSpec(
        "mysql",
        ("mysqld", "mariadbd", "mysqld_safe", "mariadbd-safe"),
        ("/etc/mysql/my.cnf", "/etc/my.cnf", "/etc/mysql/mariadb.cnf"),
        mysql.parse,
        mysql.apply_argv,
        None,
        ((mysql.DEFAULT_PORT, "tcp"),),
    ),
    DaemonSpec(
        "memcached",
        ("memcached",),
        ("/etc/memcached.conf",),
        memcached.parse,
        memcached.apply_argv,
        None,
        ((memcached.DEFAULT_PORT, "tcp"),),
    ),
    DaemonSpec(
        "squid",
        ("squid", "squid3"),
        ("/etc/squid/squid.conf", "/etc/squid3/squid.conf"),
        squid.parse,
        default_ports=((squid.DEFAULT_PORT, "tcp"),),
    ),
    DaemonSpec(
        "dnsmasq",
        ("dnsmasq",),
        ("/etc/dnsmasq.conf",),
        dnsmasq.parse,
        dnsmasq.apply_argv,
        None,
        ((53, "udp"), (53, "tcp")),
    ),
    DaemonSpec(
        "openssh",
        ("sshd",),
        ("/etc/ssh/sshd_config",),
        openssh.parse,
        openssh.apply_argv,
        None,
        ((22, "tcp"),),
    ),
    DaemonSpec(
        "mosquitto",
        ("mosquitto",),
        ("/etc/mosquitto/mosquitto.conf", "/mosquitto/config/mosquitto.conf"),
        mosquitto.parse,
        mosquitto.apply_argv,
        mosquitto.config_from_argv,
        ((mosquitto.DEFAULT_PORT, "tcp"),),
    ),
    DaemonSpec(
        "vsftpd",
        ("vsftpd",),
        ("/etc/vsftpd.conf", "/etc/vsftpd/vsftpd.conf"),
        vsftpd.parse,
        default_ports=((21, "tcp"),),
    ),
    DaemonSpec(
        "bind9",
        ("named",),
        ("/etc/bind/named.conf", "/etc/named.conf"),
        bind9.parse,
        bind9.apply_argv,
        None,
        ((53, "udp"), (53, "tcp")),
    ),
)
