"""Directories that well-known server packages create root-owned and the daemon writes.

Small data table (Debian/Alpine/Fedora package names); one entry per daemon. Paths a package
hands to its own system user (e.g. Debian's postgres owns /var/lib/postgresql) are still
listed: under an arbitrary UID they are not writable either, unless made group 0 writable.
"""

from __future__ import annotations

PACKAGE_DIRS: dict[str, tuple[str, ...]] = {
    "nginx": ("/var/cache/nginx", "/var/log/nginx", "/var/lib/nginx", "/run/nginx.pid"),
    "apache2": ("/var/log/apache2", "/var/run/apache2", "/var/lock/apache2"),
    "httpd": ("/var/log/httpd", "/run/httpd"),
    "lighttpd": ("/var/log/lighttpd", "/var/cache/lighttpd", "/run/lighttpd"),
    "haproxy": ("/var/lib/haproxy", "/run/haproxy"),
    "postgresql": ("/var/lib/postgresql", "/var/run/postgresql", "/var/log/postgresql"),
    "mariadb-server": ("/var/lib/mysql", "/run/mysqld", "/var/log/mysql"),
    "mysql-server": ("/var/lib/mysql", "/run/mysqld", "/var/log/mysql"),
    "redis-server": ("/var/lib/redis", "/var/log/redis", "/run/redis"),
    "redis": ("/var/lib/redis", "/var/log/redis", "/run/redis"),
    "squid": ("/var/spool/squid", "/var/log/squid", "/var/cache/squid", "/run/squid"),
    "mosquitto": ("/var/lib/mosquitto", "/var/log/mosquitto", "/run/mosquitto"),
    "bind9": ("/var/cache/bind", "/run/named"),
    "openssh-server": ("/run/sshd",),
    "vsftpd": ("/var/run/vsftpd",),
    "php-fpm": ("/run/php", "/var/log/php-fpm"),
    "mongodb-org-server": ("/var/lib/mongodb", "/var/log/mongodb"),
    "rabbitmq-server": ("/var/lib/rabbitmq", "/var/log/rabbitmq"),
}
"""Package name -> directories it leaves root-owned (or owned by its own fixed user)."""

for _version in ("13", "14", "15", "16", "17"):
    PACKAGE_DIRS[f"postgresql-{_version}"] = PACKAGE_DIRS["postgresql"]
PACKAGE_DIRS["postgresql-server"] = PACKAGE_DIRS["postgresql"]
PACKAGE_DIRS["apache2-utils"] = ()
PACKAGE_DIRS["nginx-light"] = PACKAGE_DIRS["nginx"]
PACKAGE_DIRS["nginx-full"] = PACKAGE_DIRS["nginx"]

DROP_TOOLS = frozenset({"gosu", "su-exec", "setpriv", "s6-setuidgid", "chpst"})
"""Binaries (and packages) whose only job is to drop privileges at start."""
