"""Each daemon parser on a config written the way Debian or upstream ships it."""

from __future__ import annotations

from daemon_helpers import analyze, line_of, only, ports

NGINX_CONF = """user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
\t# multi_accept on;
}

http {
\tsendfile on;
\taccess_log /var/log/nginx/access.log;
\tclient_body_temp_path /var/cache/nginx/client_temp;
\tproxy_temp_path /var/cache/nginx/proxy_temp 1 2;
\tproxy_cache_path /var/cache/nginx/cache levels=1:2 keys_zone=one:10m;
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
"""

NGINX_SITE = """server {
\tlisten 80 default_server;
\tlisten [::]:80 default_server;
\t# listen 443 ssl default_server;
\troot /var/www/html;
\tserver_name _;
\tlocation / {
\t\ttry_files $uri $uri/ =404;
\t}
}
"""

NGINX_STREAM = """stream {
    server {
        listen 127.0.0.1:53 udp;
        proxy_pass dns;
    }
}
"""


def test_nginx_debian_layout_with_includes() -> None:
    files = {
        "/etc/nginx/nginx.conf": NGINX_CONF,
        "/etc/nginx/sites-enabled/default": NGINX_SITE,
        "/etc/nginx/conf.d/stream.conf": NGINX_STREAM,
        "/etc/nginx/conf.d/README": "# not included: no .conf suffix\nlisten 1;\n",
    }
    cfg = only(files, "nginx")
    site, stream = "/etc/nginx/sites-enabled/default", "/etc/nginx/conf.d/stream.conf"
    assert ports(cfg) == [
        (53, "udp", stream, line_of(NGINX_STREAM, "listen")),
        (80, "tcp", site, line_of(NGINX_SITE, "listen 80")),
        (80, "tcp", site, line_of(NGINX_SITE, "[::]:80")),
    ]
    assert cfg.listen[0].addr == "127.0.0.1" and cfg.listen[2].addr == "::"
    assert cfg.user is not None and (cfg.user.value, cfg.user.line) == ("www-data", 1)
    pid = cfg.pid_file
    assert pid is not None and (pid.path, pid.line) == ("/run/nginx.pid", 3)
    assert [p.path for p in cfg.paths_of("log")] == [
        "/var/log/nginx/error.log",
        "/var/log/nginx/access.log",
    ]
    assert [p.path for p in cfg.paths_of("temp")] == [
        "/var/cache/nginx/client_temp",
        "/var/cache/nginx/proxy_temp",
    ]
    assert [p.path for p in cfg.paths_of("cache")] == ["/var/cache/nginx/cache"]
    assert cfg.files[0] == "/etc/nginx/nginx.conf" and site in cfg.files


def test_nginx_official_image_style_and_argv_user() -> None:
    conf = "user  nginx;\nerror_log  /var/log/nginx/error.log notice;\npid        /var/run/nginx.pid;\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n"  # noqa: E501
    default = (
        "server {\n    listen       80;\n    listen  [::]:80;\n    server_name  localhost;\n}\n"
    )
    files = {"/etc/nginx/nginx.conf": conf, "/etc/nginx/conf.d/default.conf": default}
    cfg = only(files, "nginx", [("nginx", "-g", "daemon off; user nobody;")])
    assert {x.port for x in cfg.listen} == {80}
    assert cfg.user is not None and (cfg.user.value, cfg.user.file) == ("nobody", "argv")


APACHE_CONF = """# This is the main Apache server configuration file.
DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Timeout 300
User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}
ErrorLog ${APACHE_LOG_DIR}/error.log
LogLevel warn
IncludeOptional mods-enabled/*.load
Include ports.conf
<Directory /var/www/>
\tOptions Indexes FollowSymLinks
\tAllowOverride None
</Directory>
IncludeOptional sites-enabled/*.conf
"""
APACHE_ENVVARS = """# envvars - default environment variables for apache2ctl
unset HOME
if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then
\tSUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"
else
\tSUFFIX=
fi
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=/var/run/apache2$SUFFIX/apache2.pid
export APACHE_RUN_DIR=/var/run/apache2$SUFFIX
export APACHE_LOG_DIR=/var/log/apache2$SUFFIX
"""
APACHE_PORTS = """# If you just change the port or add more ports here, you will likely also
# have to change the VirtualHost statement in
# /etc/apache2/sites-enabled/000-default.conf

Listen 80

<IfModule ssl_module>
\tListen 443
</IfModule>
"""
APACHE_SITE = """<VirtualHost *:80>
\tServerAdmin webmaster@localhost
\tDocumentRoot /var/www/html
\tCustomLog ${APACHE_LOG_DIR}/access.log combined
</VirtualHost>
"""


def test_apache_debian_envvars_and_includes() -> None:
    files = {
        "/etc/apache2/apache2.conf": APACHE_CONF,
        "/etc/apache2/envvars": APACHE_ENVVARS,
        "/etc/apache2/ports.conf": APACHE_PORTS,
        "/etc/apache2/sites-enabled/000-default.conf": APACHE_SITE,
    }
    cfg = only(files, "apache")
    ports_file = "/etc/apache2/ports.conf"
    # Listen 443 is inside <IfModule ssl_module>, and no LoadModule loads mod_ssl
    assert ports(cfg) == [(80, "tcp", ports_file, line_of(APACHE_PORTS, "Listen 80"))]
    assert cfg.user is not None and cfg.user.value == "www-data"
    assert cfg.user.line == line_of(APACHE_CONF, "User ")
    assert cfg.group is not None and cfg.group.value == "www-data"
    # envvars is evaluated as apache2ctl sources it: $SUFFIX is empty for /etc/apache2
    assert [p.path for p in cfg.paths_of("log")] == [
        "/var/log/apache2/error.log",
        "/var/log/apache2/access.log",
    ]
    assert [p.path for p in cfg.paths_of("pid")] == ["/var/run/apache2/apache2.pid"]
    # with mod_ssl enabled the section is active
    files["/etc/apache2/mods-enabled/ssl.load"] = (
        "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so\n"
    )
    with_ssl = only(files, "apache")
    assert [x.port for x in with_ssl.listen] == [80, 443]


def test_apache_env_overrides_envvars_and_upstream_layout() -> None:
    files = {
        "/etc/apache2/apache2.conf": APACHE_CONF,
        "/etc/apache2/envvars": "export APACHE_RUN_USER=www-data\nexport APACHE_LOG_DIR=/var/log/apache2\n",  # noqa: E501
    }
    a = analyze(files, env={"APACHE_RUN_USER": "daemon"})
    cfg = a.get("apache")
    assert cfg is not None and cfg.user is not None and cfg.user.value == "daemon"
    assert [p.path for p in cfg.paths_of("log")] == ["/var/log/apache2/error.log"]
    httpd = 'ServerRoot "/usr/local/apache2"\nListen 80\nUser daemon\nGroup daemon\nErrorLog /proc/self/fd/2\nPidFile logs/httpd.pid\n'  # noqa: E501
    cfg2 = only({"/usr/local/apache2/conf/httpd.conf": httpd}, "apache", ["httpd"])
    assert [x.port for x in cfg2.listen] == [80]
    # ErrorLog goes to the runtime's stderr; PidFile is relative to ServerRoot
    assert [p.path for p in cfg2.paths] == ["/usr/local/apache2/logs/httpd.pid"]


LIGHTTPD = """server.modules = (
\t"mod_indexfile",
\t"mod_access",
)

server.document-root        = "/var/www/html"
server.upload-dirs          = ( "/var/cache/lighttpd/uploads" )
server.errorlog             = "/var/log/lighttpd/error.log"
server.pid-file             = "/run/lighttpd.pid"
server.username             = "www-data"
server.groupname            = "www-data"
server.port                 = 80

include_shell "/usr/share/lighttpd/create-mime.conf.pl"
include "/etc/lighttpd/conf-enabled/*.conf"
"""
LIGHTTPD_SSL = '$SERVER["socket"] == ":443" {\n\tssl.engine = "enable"\n}\n'


def test_lighttpd_debian() -> None:
    files = {
        "/etc/lighttpd/lighttpd.conf": LIGHTTPD,
        "/etc/lighttpd/conf-enabled/10-ssl.conf": LIGHTTPD_SSL,
    }
    cfg = only(files, "lighttpd")
    assert ports(cfg) == [
        (80, "tcp", "/etc/lighttpd/lighttpd.conf", line_of(LIGHTTPD, "server.port")),
        (443, "tcp", "/etc/lighttpd/conf-enabled/10-ssl.conf", 1),
    ]
    assert cfg.user is not None and (cfg.user.value, cfg.user.line) == (
        "www-data",
        line_of(LIGHTTPD, "server.username"),
    )
    assert cfg.pid_file is not None and cfg.pid_file.path == "/run/lighttpd.pid"
    assert [p.path for p in cfg.paths_of("temp")] == ["/var/cache/lighttpd/uploads"]


HAPROXY = """global
\tlog /dev/log\tlocal0
\tchroot /var/lib/haproxy
\tstats socket /run/haproxy/admin.sock mode 660 level admin
\tuser haproxy
\tgroup haproxy
\tdaemon
\tpidfile /run/haproxy.pid

defaults
\tlog\tglobal
\tmode\thttp

frontend www
\tbind *:80
\tbind :::443 v4v6 ssl crt /etc/ssl/site.pem
\tbind 127.0.0.1:8404,127.0.0.1:8405
\tdefault_backend app

backend app
\tserver s1 10.0.0.1:8080 check
"""


def test_haproxy() -> None:
    cfg = only({"/etc/haproxy/haproxy.cfg": HAPROXY}, "haproxy")
    f = "/etc/haproxy/haproxy.cfg"
    assert ports(cfg) == [
        (80, "tcp", f, line_of(HAPROXY, "*:80")),
        (443, "tcp", f, line_of(HAPROXY, ":::443")),
        (8404, "tcp", f, line_of(HAPROXY, "8404")),
        (8405, "tcp", f, line_of(HAPROXY, "8404")),
    ]
    assert cfg.user is not None and cfg.user.value == "haproxy"
    assert cfg.group is not None and cfg.group.value == "haproxy"
    assert {p.kind: p.path for p in cfg.paths} == {
        "socket": "/run/haproxy/admin.sock",
        "pid": "/run/haproxy.pid",
    }
    # chroot is not a path it writes: it needs CAP_SYS_CHROOT
    [chroot] = cfg.capabilities
    assert (chroot.capability, chroot.value) == ("CAP_SYS_CHROOT", "/var/lib/haproxy")
    assert chroot.line == line_of(HAPROXY, "chroot")


REDIS = """# Redis configuration file example.
bind 127.0.0.1 -::1
protected-mode yes
port 6379
tcp-backlog 511
daemonize yes
pidfile /run/redis/redis-server.pid
loglevel notice
logfile /var/log/redis/redis-server.log
databases 16
dir /var/lib/redis
# include /path/to/local.conf
"""


def test_redis_debian_and_argv_override() -> None:
    files = {"/etc/redis/redis.conf": REDIS}
    cfg = only(files, "redis")
    assert ports(cfg) == [(6379, "tcp", "/etc/redis/redis.conf", line_of(REDIS, "port 6379"))]
    assert [(p.kind, p.path) for p in cfg.paths] == [
        ("pid", "/run/redis/redis-server.pid"),
        ("log", "/var/log/redis/redis-server.log"),
        ("data", "/var/lib/redis"),
    ]
    cfg2 = only(files, "redis", [("redis-server", "/etc/redis/redis.conf", "--port", "80")])
    assert [(x.port, x.file) for x in cfg2.listen] == [(80, "argv")]
    # official image: no config file, the default port applies
    cfg3 = only({}, "redis", ["redis-server"])
    assert [(x.port, x.default) for x in cfg3.listen] == [(6379, True)]


POSTGRES = """# PostgreSQL configuration file
data_directory = '/var/lib/postgresql/15/main'\t\t# use data in another directory
hba_file = '/etc/postgresql/15/main/pg_hba.conf'
external_pid_file = '/var/run/postgresql/15-main.pid'
listen_addresses = 'localhost'
port = 5432\t\t\t\t# (change requires restart)
max_connections = 100
unix_socket_directories = '/var/run/postgresql'\t# comma-separated list of directories
#log_directory = 'log'
include_dir = 'conf.d'
"""


def test_postgresql_debian_cluster_with_include_dir() -> None:
    files = {
        "/etc/postgresql/15/main/postgresql.conf": POSTGRES,
        "/etc/postgresql/15/main/conf.d/port.conf": "port = 443\n",
    }
    cfg = only(files, "postgresql")
    assert ports(cfg) == [(443, "tcp", "/etc/postgresql/15/main/conf.d/port.conf", 1)]
    assert {p.kind: p.path for p in cfg.paths} == {
        "data": "/var/lib/postgresql/15/main",
        "pid": "/var/run/postgresql/15-main.pid",
        "socket": "/var/run/postgresql",
    }
    sample = "#port = 5432\n#unix_socket_directories = '/var/run/postgresql'\n"
    cfg2 = only({"/usr/share/postgresql/postgresql.conf.sample": sample}, "postgresql",
                [("postgres", "-c", "port=80")])  # fmt: skip
    assert [(x.port, x.file) for x in cfg2.listen] == [(80, "argv")]


MYCNF = """# The MariaDB configuration file
[client-server]
socket = /run/mysqld/mysqld.sock

!includedir /etc/mysql/conf.d/
!includedir /etc/mysql/mariadb.conf.d/
"""
SERVER_CNF = """[server]

[mysqld]
user                    = mysql
pid-file                = /run/mysqld/mysqld.pid
basedir                 = /usr
datadir                 = /var/lib/mysql
tmpdir                  = /tmp
bind-address            = 127.0.0.1
port                    = 3306
log_error = /var/log/mysql/error.log

[embedded]
port = 1
"""


def test_mysql_mariadb_debian() -> None:
    files = {
        "/etc/mysql/my.cnf": MYCNF,
        "/etc/mysql/mariadb.conf.d/50-server.cnf": SERVER_CNF,
        "/etc/mysql/conf.d/mysqldump.cnf": "[mysqldump]\nquick\nport = 2\n",
    }
    cfg = only(files, "mysql")
    server = "/etc/mysql/mariadb.conf.d/50-server.cnf"
    assert ports(cfg) == [(3306, "tcp", server, line_of(SERVER_CNF, "3306"))]
    assert cfg.user is not None and (cfg.user.value, cfg.user.line) == (
        "mysql",
        line_of(SERVER_CNF, "user"),
    )
    assert {p.kind: p.path for p in cfg.paths} == {
        "pid": "/run/mysqld/mysqld.pid",
        "data": "/var/lib/mysql",
        "temp": "/tmp",
        "log": "/var/log/mysql/error.log",
        "socket": "/run/mysqld",
    }
    cfg2 = only(files, "mysql", [("mysqld", "--port=33060", "--user=root")])
    assert [x.port for x in cfg2.listen] == [33060]


MEMCACHED = """# memcached default config file
# Run memcached as a daemon.
-d
logfile /var/log/memcached.log
# Default connection port is 11211
-p 11211
-u memcache
-l 127.0.0.1
-P /var/run/memcached/memcached.pid
"""


def test_memcached_debian_and_argv() -> None:
    cfg = only({"/etc/memcached.conf": MEMCACHED}, "memcached")
    assert ports(cfg) == [(11211, "tcp", "/etc/memcached.conf", line_of(MEMCACHED, "-p"))]
    assert cfg.user is not None and (cfg.user.value, cfg.user.line) == (
        "memcache",
        line_of(MEMCACHED, "-u"),
    )
    assert [p.path for p in cfg.paths] == [
        "/var/log/memcached.log",
        "/var/run/memcached/memcached.pid",
    ]
    cfg2 = only({}, "memcached", [("memcached", "-v", "-p", "112", "-U", "113")])
    assert sorted((x.port, x.proto) for x in cfg2.listen) == [(112, "tcp"), (113, "udp")]


SQUID = """acl localnet src 10.0.0.0/8
http_access deny all
# Squid normally listens to port 3128
http_port 3128
http_port 127.0.0.1:80 accel
cache_effective_user proxy
pid_filename /run/squid.pid
cache_dir ufs /var/spool/squid 100 16 256
access_log daemon:/var/log/squid/access.log squid
cache_log /var/log/squid/cache.log
coredump_dir /var/spool/squid
include /etc/squid/conf.d/*.conf
"""


def test_squid_debian() -> None:
    files = {"/etc/squid/squid.conf": SQUID, "/etc/squid/conf.d/debian.conf": "icp_port 3130\n"}
    cfg = only(files, "squid")
    f = "/etc/squid/squid.conf"
    assert ports(cfg) == [
        (3128, "tcp", f, line_of(SQUID, "http_port 3128")),
        (80, "tcp", f, line_of(SQUID, ":80")),
        (3130, "udp", "/etc/squid/conf.d/debian.conf", 1),
    ]
    assert cfg.user is not None and cfg.user.value == "proxy"
    assert [(p.kind, p.path) for p in cfg.paths] == [
        ("pid", "/run/squid.pid"),
        ("cache", "/var/spool/squid"),
        ("log", "/var/log/squid/access.log"),
        ("log", "/var/log/squid/cache.log"),
        ("data", "/var/spool/squid"),
    ]


DNSMASQ = """# Configuration file for dnsmasq.
# Listen on this specific port instead of the standard DNS port
#port=5353
domain-needed
bogus-priv
user=dnsmasq
group=nogroup
conf-dir=/etc/dnsmasq.d/,*.conf
"""


def test_dnsmasq_default_port_and_conf_dir() -> None:
    files = {"/etc/dnsmasq.conf": DNSMASQ, "/etc/dnsmasq.d/local.conf": "pid-file=/run/dm.pid\n"}
    cfg = only(files, "dnsmasq")
    assert [(x.port, x.proto, x.default) for x in cfg.listen] == [
        (53, "udp", True),
        (53, "tcp", True),
    ]
    assert cfg.user is not None and cfg.user.value == "dnsmasq"
    assert [p.path for p in cfg.paths] == ["/run/dm.pid"]
    cfg2 = only(files, "dnsmasq", [("dnsmasq", "-k", "--port=5353")])
    assert {x.port for x in cfg2.listen} == {5353}


SSHD = """# This is the sshd server system-wide configuration file.
Include /etc/ssh/sshd_config.d/*.conf
#Port 22
#ListenAddress 0.0.0.0
KbdInteractiveAuthentication no
UsePAM yes
Match User anoncvs
\tPort 2022
"""


def test_openssh() -> None:
    files = {"/etc/ssh/sshd_config": SSHD, "/etc/ssh/sshd_config.d/port.conf": "Port 2222\n"}
    cfg = only(files, "openssh")
    assert ports(cfg) == [(2222, "tcp", "/etc/ssh/sshd_config.d/port.conf", 1)]
    cfg2 = only({"/etc/ssh/sshd_config": SSHD}, "openssh")
    assert [(x.port, x.default) for x in cfg2.listen] == [(22, True)]


MOSQUITTO = """# Place your local configuration in /etc/mosquitto/conf.d/
pid_file /run/mosquitto/mosquitto.pid
persistence true
persistence_location /var/lib/mosquitto/
log_dest file /var/log/mosquitto/mosquitto.log
include_dir /etc/mosquitto/conf.d
"""


def test_mosquitto() -> None:
    files = {
        "/etc/mosquitto/mosquitto.conf": MOSQUITTO,
        "/etc/mosquitto/conf.d/listen.conf": "listener 1883\nlistener 883 0.0.0.0\n",
    }
    cfg = only(files, "mosquitto")
    assert [(x.port, x.line) for x in cfg.listen] == [(1883, 1), (883, 2)]
    assert [p.kind for p in cfg.paths] == ["pid", "data", "log"]


VSFTPD = """# Example config file /etc/vsftpd.conf
listen=NO
listen_ipv6=YES
anonymous_enable=NO
secure_chroot_dir=/var/run/vsftpd/empty
pam_service_name=vsftpd
"""


def test_vsftpd_default_port() -> None:
    cfg = only({"/etc/vsftpd.conf": VSFTPD}, "vsftpd", [("vsftpd", "/etc/vsftpd.conf")])
    assert [(x.port, x.default) for x in cfg.listen] == [(21, True)]
    # secure_chroot_dir is only used as root; without root vsftpd refuses to start anyway
    assert cfg.paths == []
    assert [(c.kind, c.path) for c in cfg.identity] == [
        ("owner", "/etc/vsftpd.conf"),
        ("root", ""),
    ]


NAMED = """// This is the primary configuration file for the BIND DNS server named.
include "/etc/bind/named.conf.options";
include "/etc/bind/named.conf.local";
"""
NAMED_OPTIONS = """options {
\tdirectory "/var/cache/bind";
\t/* listen on the usual port */
\tlisten-on port 53 { any; };
\tlisten-on-v6 { any; };
};
"""


def test_bind9_with_argv_user() -> None:
    files = {"/etc/bind/named.conf": NAMED, "/etc/bind/named.conf.options": NAMED_OPTIONS}
    cfg = only(files, "bind9", [("named", "-f", "-u", "bind")])
    opts = "/etc/bind/named.conf.options"
    assert ports(cfg) == [
        (53, "udp", opts, line_of(NAMED_OPTIONS, "listen-on port")),
        (53, "tcp", opts, line_of(NAMED_OPTIONS, "listen-on port")),
        (53, "udp", opts, line_of(NAMED_OPTIONS, "listen-on-v6")),
        (53, "tcp", opts, line_of(NAMED_OPTIONS, "listen-on-v6")),
    ]
    assert cfg.user is not None and (cfg.user.value, cfg.user.file) == ("bind", "argv")
    assert cfg.user.effect == "blocking"  # named -u fails without root: setgid()
    assert [(p.path, p.fatal) for p in cfg.paths] == [
        ("/var/cache/bind", True),
        ("/run/named/named.pid", False),
        ("/run/named/session.key", False),
    ]


def test_nothing_detected_in_an_empty_tree_and_include_loops_stop() -> None:
    assert analyze({}).daemons == []
    loop = {"/etc/redis/redis.conf": "include /etc/redis/redis.conf\nport 1\n"}
    cfg = only(loop, "redis")
    assert [x.port for x in cfg.listen] == [1]


PHPFPM_MAIN = """[global]
pid = run/php-fpm.pid
error_log = /proc/self/fd/2
include=etc/php-fpm.d/*.conf
"""
PHPFPM_POOL = """[www]
; Unix user/group of the child processes.
user = www-data
group = www-data
listen = 127.0.0.1:9000
pm = dynamic
"""


def test_php_fpm_official_layout_and_pool_only_context() -> None:
    files = {
        "/usr/local/etc/php-fpm.conf": PHPFPM_MAIN,
        "/usr/local/etc/php-fpm.d/www.conf": PHPFPM_POOL,
    }
    cfg = only(files, "php-fpm")
    pool = "/usr/local/etc/php-fpm.d/www.conf"
    assert ports(cfg) == [(9000, "tcp", pool, line_of(PHPFPM_POOL, "listen"))]
    assert cfg.user is not None and (cfg.user.value, cfg.user.line) == (
        "www-data",
        line_of(PHPFPM_POOL, "user = "),
    )
    assert [p.path for p in cfg.paths] == ["/usr/local/var/run/php-fpm.pid"]
    # a build context that only copies the pool file
    cfg2 = only({pool: "[www]\nuser = app\nlisten = 80\n"}, "php-fpm")
    assert [x.port for x in cfg2.listen] == [80] and cfg2.user is not None
