"""The daemon table: one entry per server, data only. Add a daemon by adding an entry here and a
parser module in ``parsers/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from unroot.daemons.model import DaemonConfig
from unroot.daemons.parsers import (
    apache,
    bind9,
    chrony,
    cups,
    dnsmasq,
    dovecot,
    haproxy,
    lighttpd,
    memcached,
    mosquitto,
    mysql,
    nginx,
    nsd,
    openssh,
    pdns,
    phpfpm,
    postfix,
    postgres,
    redis,
    rsyslog,
    samba,
    slapd,
    squid,
    tomcat,
    unbound,
    uwsgi,
    vsftpd,
)
from unroot.daemons.source import ConfigSource

Parser = Callable[[ConfigSource, str, DaemonConfig], None]
ArgvApplier = Callable[[DaemonConfig, tuple[str, ...]], None]
ArgvConfig = Callable[[tuple[str, ...]], "str | None"]
Finisher = Callable[[ConfigSource, DaemonConfig], None]


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
    reads_default: bool = True
    """Whether the program reads its default config file when no flag names one (False for
    ``memcached`` and ``redis-server``, whose files only wrappers and init scripts read)."""
    user_blocks: bool = False
    """Whether its user/group switch makes it fail when it did not start as root (haproxy,
    named -u); most daemons skip the switch then."""
    finish: Finisher | None = None
    """Applied after the config and the command line: compiled-in defaults (pid, log, temp
    paths by build), identity checks, capability needs."""


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
        finish=nginx.finish,
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
        finish=apache.finish,
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
        None,
        phpfpm.config_from_argv,
    ),
    DaemonSpec(
        "lighttpd",
        ("lighttpd",),
        ("/etc/lighttpd/lighttpd.conf",),
        lighttpd.parse,
        None,
        lighttpd.config_from_argv,
        default_ports=((80, "tcp"),),
    ),
    DaemonSpec(
        "haproxy",
        ("haproxy",),
        ("/usr/local/etc/haproxy/haproxy.cfg", "/etc/haproxy/haproxy.cfg"),
        haproxy.parse,
        None,
        haproxy.config_from_argv,
        reads_default=False,
        user_blocks=True,
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
        reads_default=False,
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
        postgres.config_from_argv,
        ((postgres.DEFAULT_PORT, "tcp"),),
        finish=postgres.finish,
    ),
    DaemonSpec(
        "mysql",
        ("mysqld", "mariadbd", "mysqld_safe", "mariadbd-safe"),
        ("/etc/mysql/my.cnf", "/etc/my.cnf", "/etc/mysql/mariadb.cnf"),
        mysql.parse,
        mysql.apply_argv,
        mysql.config_from_argv,
        ((mysql.DEFAULT_PORT, "tcp"),),
        finish=mysql.finish,
    ),
    DaemonSpec(
        "memcached",
        ("memcached",),
        ("/etc/memcached.conf",),
        memcached.parse,
        memcached.apply_argv,
        None,
        ((memcached.DEFAULT_PORT, "tcp"),),
        reads_default=False,
    ),
    DaemonSpec(
        "squid",
        ("squid", "squid3"),
        ("/etc/squid/squid.conf", "/etc/squid3/squid.conf"),
        squid.parse,
        None,
        squid.config_from_argv,
        default_ports=((squid.DEFAULT_PORT, "tcp"),),
        finish=squid.finish,
    ),
    DaemonSpec(
        "dnsmasq",
        ("dnsmasq",),
        ("/etc/dnsmasq.conf",),
        dnsmasq.parse,
        dnsmasq.apply_argv,
        dnsmasq.config_from_argv,
        ((53, "udp"), (53, "tcp")),
        finish=dnsmasq.finish,
    ),
    DaemonSpec(
        "openssh",
        ("sshd",),
        ("/etc/ssh/sshd_config",),
        openssh.parse,
        openssh.apply_argv,
        openssh.config_from_argv,
        ((22, "tcp"),),
        finish=openssh.finish,
    ),
    DaemonSpec(
        "mosquitto",
        ("mosquitto",),
        ("/etc/mosquitto/mosquitto.conf", "/mosquitto/config/mosquitto.conf"),
        mosquitto.parse,
        mosquitto.apply_argv,
        mosquitto.config_from_argv,
        ((mosquitto.DEFAULT_PORT, "tcp"),),
        reads_default=False,
    ),
    DaemonSpec(
        "vsftpd",
        ("vsftpd",),
        ("/etc/vsftpd.conf", "/etc/vsftpd/vsftpd.conf"),
        vsftpd.parse,
        None,
        vsftpd.config_from_argv,
        default_ports=((21, "tcp"),),
        finish=vsftpd.finish,
    ),
    DaemonSpec(
        "bind9",
        ("named",),
        ("/etc/bind/named.conf", "/etc/named.conf"),
        bind9.parse,
        bind9.apply_argv,
        bind9.config_from_argv,
        ((53, "udp"), (53, "tcp")),
        user_blocks=True,
        finish=bind9.finish,
    ),
    DaemonSpec(
        "postfix",
        ("postfix", "master"),
        ("/etc/postfix/main.cf",),
        postfix.parse,
        None,
        postfix.config_from_argv,
        ((25, "tcp"),),
        finish=postfix.finish,
    ),
    DaemonSpec(
        "unbound",
        ("unbound",),
        ("/etc/unbound/unbound.conf",),
        unbound.parse,
        None,
        unbound.config_from_argv,
        ((53, "udp"), (53, "tcp")),
        finish=unbound.finish,
    ),
    DaemonSpec(
        "nsd",
        ("nsd",),
        ("/etc/nsd/nsd.conf",),
        nsd.parse,
        nsd.apply_argv,
        nsd.config_from_argv,
        ((53, "udp"), (53, "tcp")),
        finish=nsd.finish,
    ),
    DaemonSpec(
        "powerdns",
        ("pdns_server",),
        ("/etc/powerdns/pdns.conf",),
        pdns.parse,
        pdns.apply_argv,
        pdns.config_from_argv,
        ((53, "udp"), (53, "tcp")),
        user_blocks=True,
        finish=pdns.finish,
    ),
    DaemonSpec(
        "openldap",
        ("slapd",),
        (
            "/etc/ldap/slapd.d/cn=config.ldif",
            "/etc/openldap/slapd.d/cn=config.ldif",
            "/etc/ldap/slapd.conf",
            "/etc/openldap/slapd.conf",
        ),
        slapd.parse,
        slapd.apply_argv,
        slapd.config_from_argv,
        ((389, "tcp"),),
        user_blocks=True,
    ),
    DaemonSpec(
        "chrony",
        ("chronyd",),
        ("/etc/chrony/chrony.conf", "/etc/chrony.conf"),
        chrony.parse,
        chrony.apply_argv,
        chrony.config_from_argv,
        finish=chrony.finish,
    ),
    DaemonSpec(
        "dovecot",
        ("dovecot",),
        ("/etc/dovecot/dovecot.conf",),
        dovecot.parse,
        None,
        dovecot.config_from_argv,
        ((143, "tcp"), (110, "tcp")),
        finish=dovecot.finish,
    ),
    DaemonSpec(
        "cups",
        ("cupsd",),
        ("/etc/cups/cupsd.conf",),
        cups.parse,
        None,
        cups.config_from_argv,
        ((cups.DEFAULT_PORT, "tcp"),),
    ),
    DaemonSpec(
        "rsyslog",
        ("rsyslogd",),
        ("/etc/rsyslog.conf",),
        rsyslog.parse,
        None,
        rsyslog.config_from_argv,
        finish=rsyslog.finish,
    ),
    DaemonSpec(
        "samba",
        ("smbd",),
        ("/etc/samba/smb.conf",),
        samba.parse,
        None,
        samba.config_from_argv,
        ((445, "tcp"), (139, "tcp")),
        finish=samba.finish,
    ),
    DaemonSpec(
        "tomcat",
        ("catalina.sh", "tomcat-start.sh"),
        (
            "/usr/local/tomcat/conf/server.xml",
            "/etc/tomcat10/server.xml",
            "/etc/tomcat9/server.xml",
            "/opt/tomcat/conf/server.xml",
        ),
        tomcat.parse,
        default_ports=((8080, "tcp"),),
        finish=tomcat.finish,
    ),
    DaemonSpec(
        "uwsgi",
        ("uwsgi", "uwsgi-core"),
        (),
        uwsgi.parse,
        uwsgi.apply_argv,
        uwsgi.config_from_argv,
        reads_default=False,
    ),
)
