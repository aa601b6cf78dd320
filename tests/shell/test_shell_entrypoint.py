"""analyze_entrypoint on scripts written in the style of popular official images."""

from __future__ import annotations

from collections.abc import Callable

from unroot.oci.model import EntryType, FileEntry, FileTree, Image, ImageConfig
from unroot.shell.entrypoint import CONFIG_FILE, analyze_entrypoint, analyze_image


def line_of(script: str, needle: str) -> int:
    for i, text in enumerate(script.splitlines(), start=1):
        if needle in text:
            return i
    raise AssertionError(needle)


def files(mapping: dict[str, str]) -> Callable[[str], str | None]:
    return mapping.get


POSTGRES_STYLE = """#!/usr/bin/env bash
set -Eeo pipefail

docker_create_db_directories() {
\tlocal user; user="$(id -u)"
\tmkdir -p "$PGDATA"
\tchmod 00700 "$PGDATA" || :
\tmkdir -p /var/run/postgresql || :
\tchmod 03775 /var/run/postgresql || :
\tif [ "$user" = '0' ]; then
\t\tfind "$PGDATA" \\! -user postgres -exec chown postgres '{}' +
\t\tfind /var/run/postgresql \\! -user postgres -exec chown postgres '{}' +
\tfi
}

_main() {
\tif [ "${1:0:1}" = '-' ]; then
\t\tset -- postgres "$@"
\tfi
\tif [ "$1" = 'postgres' ]; then
\t\tdocker_create_db_directories
\t\tif [ "$(id -u)" = '0' ]; then
\t\t\texec gosu postgres "$BASH_SOURCE" "$@"
\t\tfi
\tfi
\texec "$@"
}

_main "$@"
"""


def test_postgres_style_gosu_with_root_guard() -> None:
    path = "/usr/local/bin/docker-entrypoint.sh"
    a = analyze_entrypoint(
        ["docker-entrypoint.sh"],
        ["postgres"],
        files({path: POSTGRES_STYLE}),
        {"PGDATA": "/var/lib/postgresql/data"},
    )
    assert a.scripts == [path]
    assert [(d.tool, d.user, d.file, d.line) for d in a.drops] == [
        ("gosu", "postgres", path, line_of(POSTGRES_STYLE, "exec gosu"))
    ]
    assert a.drops[0].guarded
    assert a.root_guard is not None and a.root_guard.line == line_of(
        POSTGRES_STYLE, "\"$(id -u)\" = '0'"
    )
    chown_paths = {p for c in a.chowns if c.tool == "chown" for p in c.paths}
    assert chown_paths == {"/var/lib/postgresql/data", "/var/run/postgresql"}
    assert all(c.owner == "postgres" for c in a.chowns if c.tool == "chown")
    assert a.needs_root_only_to_drop and a.needs_root_reasons == []
    mains = [p.argv for p in a.programs if p.main]
    assert ("postgres",) in mains
    assert a.starts_as_root
    assert a.unresolved == []


REDIS_STYLE = """#!/bin/sh
set -e

# first arg is `-f` or `--some-option`
# or first arg is `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
\tset -- redis-server "$@"
fi

# allow the container to be started with `--user`
if [ "$1" = 'redis-server' -a "$(id -u)" = '0' ]; then
\tfind . \\! -user redis -exec chown redis '{}' +
\texec gosu redis "$0" "$@"
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
\tumask 0077
fi

exec "$@"
"""


def test_redis_style_set_prefix_and_reexec() -> None:
    path = "/usr/local/bin/docker-entrypoint.sh"
    a = analyze_entrypoint(
        ["docker-entrypoint.sh"], ["--port", "80"], files({path: REDIS_STYLE}), {}
    )
    assert [(d.tool, d.user, d.line) for d in a.drops] == [
        ("gosu", "redis", line_of(REDIS_STYLE, "exec gosu"))
    ]
    assert a.root_guard is not None
    [find] = a.chowns
    assert find.owner == "redis" and find.paths == (".",) and find.recursive
    # `set -- redis-server "$@"` applies because the first argument starts with '-'
    main = [p for p in a.programs if p.main]
    assert [p.argv for p in main] == [("redis-server", "--port", "80")]
    assert a.needs_root_only_to_drop


def test_alpine_su_exec_without_guard() -> None:
    script = '#!/bin/sh\nset -e\nchown -R app:app /data /var/log/app\nexec su-exec app:app /usr/local/bin/app "$@"\n'  # noqa: E501
    a = analyze_entrypoint(["/entrypoint.sh"], ["serve"], files({"/entrypoint.sh": script}))
    [drop] = a.drops
    assert (drop.tool, drop.user, drop.group, drop.line, drop.guarded) == (
        "su-exec", "app", "app", 4, False
    )  # fmt: skip
    [ch] = a.chowns
    assert (ch.owner, ch.group, ch.paths, ch.recursive, ch.line) == (
        "app", "app", ("/data", "/var/log/app"), True, 3
    )  # fmt: skip
    assert a.root_guard is None
    assert [p.argv for p in a.programs if p.main] == [("/usr/local/bin/app", "serve")]
    assert [p.user for p in a.programs if p.main] == ["app"]


def test_setpriv_and_s6_setuidgid() -> None:
    script = '#!/bin/sh\nexec setpriv --reuid=1000 --regid=1000 --init-groups "$@"\n'
    a = analyze_entrypoint(["/init.sh"], ["/app/server"], files({"/init.sh": script}))
    assert [(d.tool, d.user, d.group) for d in a.drops] == [("setpriv", "1000", "1000")]
    s6 = "#!/bin/sh\nexec s6-setuidgid nobody dnsmasq -k --port=53\n"
    b = analyze_entrypoint(["/run.sh"], None, files({"/run.sh": s6}))
    assert [(d.tool, d.user) for d in b.drops] == [("s6-setuidgid", "nobody")]
    assert [p.argv for p in b.programs if p.main] == [("dnsmasq", "-k", "--port=53")]


HOST_MODS = """#!/bin/sh
sysctl -w net.core.somaxconn=65535
sysctl vm.overcommit_memory=1
sysctl net.ipv4.ip_forward
iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
iptables -L
ip link set eth0 mtu 1400
ip addr show
ulimit -n 2000000
ulimit -n 512
mount -t tmpfs tmpfs /mnt/cache
echo 1 > /proc/sys/net/ipv4/ip_forward
modprobe wireguard
apk add --no-cache curl jq
pip install requests
pip install --user httpie
setcap cap_net_bind_service=+ep /usr/bin/node
exec node server.js
"""


def test_host_modifications_package_installs_setcap() -> None:
    a = analyze_entrypoint(["/start.sh"], None, files({"/start.sh": HOST_MODS}))
    kinds = [(h.kind, h.line) for h in a.host_mods]
    assert kinds == [
        ("sysctl", line_of(HOST_MODS, "somaxconn")),
        ("sysctl", line_of(HOST_MODS, "overcommit")),
        ("iptables", line_of(HOST_MODS, "MASQUERADE")),
        ("ip", line_of(HOST_MODS, "mtu")),
        ("ulimit", line_of(HOST_MODS, "2000000")),
        ("mount", line_of(HOST_MODS, "tmpfs")),
        ("proc_write", line_of(HOST_MODS, "/proc/sys")),
        ("modprobe", line_of(HOST_MODS, "wireguard")),
    ]
    caps = {h.kind: h.capability for h in a.host_mods}
    assert "NET_ADMIN" in caps["iptables"] and "NET_ADMIN" in caps["ip"]
    assert "SYS_ADMIN" in caps["mount"] and "SYS_RESOURCE" in caps["ulimit"]
    assert "securityContext.sysctls" in a.host_mods[0].capability  # net.* is namespaced
    assert "host kernel" in a.host_mods[1].capability  # vm.* is not
    assert [(p.manager, p.packages) for p in a.package_installs] == [
        ("apk", ("curl", "jq")),
        ("pip", ("requests",)),
    ]
    assert [(s.caps, s.paths) for s in a.setcaps] == [
        ("cap_net_bind_service=+ep", ("/usr/bin/node",))
    ]
    assert not a.needs_root_only_to_drop
    assert len(a.needs_root_reasons) == len(a.host_mods) + 2 + 1


def test_sourced_files_are_followed_without_loops() -> None:
    main = "#!/bin/bash\n. /usr/local/lib/common.sh\nsource ./self.sh\nexec app\n"
    common = "# helpers\nsysctl -w kernel.shmmax=1\n. /usr/local/lib/common.sh\n"
    fs = {"/entry/self.sh": main, "/usr/local/lib/common.sh": common}
    a = analyze_entrypoint(["/entry/self.sh"], None, files(fs))
    assert a.scripts == ["/entry/self.sh", "/usr/local/lib/common.sh"]
    [h] = a.host_mods
    assert (h.file, h.line) == ("/usr/local/lib/common.sh", 2)


def test_exec_chain_into_second_script_and_cmd_script() -> None:
    first = '#!/bin/sh\nexec /usr/local/bin/start.sh "$@"\n'
    second = '#!/bin/bash\nchown www-data /var/www\nexec gosu www-data "$@"\n'
    cmd_script = "#!/bin/sh\napt-get install -y vim\nexec nginx -g 'daemon off;'\n"
    fs = {
        "/docker-entrypoint.sh": first,
        "/usr/local/bin/start.sh": second,
        "/usr/local/bin/run-nginx.sh": cmd_script,
    }
    a = analyze_entrypoint(["/docker-entrypoint.sh"], ["run-nginx.sh"], files(fs))
    assert a.scripts == list(fs)
    assert [(d.user, d.file) for d in a.drops] == [("www-data", "/usr/local/bin/start.sh")]
    assert [(p.manager, p.file, p.line) for p in a.package_installs] == [
        ("apt-get", "/usr/local/bin/run-nginx.sh", 2)
    ]
    [main] = [p for p in a.programs if p.main]
    assert main.argv == ("nginx", "-g", "daemon off;") and main.user == "www-data"


def test_shell_form_entrypoint_and_config_level_drop() -> None:
    a = analyze_entrypoint(
        ["/bin/sh", "-c", "chown app /data && exec gosu app server --port 80"], None, files({})
    )
    assert [(d.tool, d.user, d.file) for d in a.drops] == [("gosu", "app", CONFIG_FILE)]
    assert [c.paths for c in a.chowns] == [("/data",)]
    b = analyze_entrypoint(["gosu", "nobody", "app"], None, files({}))
    assert [(d.tool, d.user, d.file, d.line) for d in b.drops] == [
        ("gosu", "nobody", CONFIG_FILE, 0)
    ]


def test_unresolved_script_and_non_root_user() -> None:
    a = analyze_entrypoint(["/missing-entrypoint.sh"], ["x"], files({}), user="1000:0")
    assert a.unresolved == ["/missing-entrypoint.sh"]
    assert not a.starts_as_root
    assert not analyze_entrypoint(None, None, files({})).chain


def test_sudo_to_root_is_not_a_drop_and_garbage_script_is_safe() -> None:
    script = '#!/bin/sh\nsudo service cron start\nsudo -u app true\n"unterminated\n'
    a = analyze_entrypoint(["/e.sh"], None, files({"/e.sh": script}))
    assert [(d.tool, d.user) for d in a.drops] == [("sudo", "app")]
    bad = analyze_entrypoint(["/b.sh"], None, files({"/b.sh": "#!/bin/sh\n\x00\xff((("}))
    assert bad.scripts == ["/b.sh"]


def _entry(path: str, mode: int, uid: int = 0, gid: int = 0, kind: EntryType = EntryType.DIR):
    return FileEntry(path=path, type=kind, mode=mode, uid=uid, gid=gid, layer="sha256:l1")


def test_analyze_image_uses_tree_metadata_for_writes() -> None:
    script = '#!/bin/sh\nmkdir -p /var/run/app\nenvsubst < /tpl > /etc/app/app.conf\nexec "$@"\n'
    tree = FileTree()
    tree.put(_entry("var", 0o755))
    tree.put(_entry("var/run", 0o755))
    tree.put(_entry("etc", 0o755))
    tree.put(_entry("etc/app", 0o775, gid=0))  # group-0 writable: fine for arbitrary UIDs
    tree.put(_entry("usr/local/bin/app", 0o755, kind=EntryType.FILE))
    tree.put(_entry("docker-entrypoint.sh", 0o755, kind=EntryType.FILE), content=script.encode())
    cfg = ImageConfig(
        entrypoint=["/docker-entrypoint.sh"], cmd=["app"], env=["PATH=/usr/local/bin"]
    )
    image = Image(ref="test", config=cfg, layers=[], tree=tree)
    a = analyze_image(image)
    assert [(w.path, w.how, w.line) for w in a.root_writes] == [("/var/run/app", "mkdir", 2)]
    [main] = [p for p in a.programs if p.main]
    assert main.argv == ("app",)
    assert a.unresolved == []


def test_mkdir_of_a_new_top_level_directory_is_a_root_write() -> None:
    script = "#!/bin/sh\nmkdir -p /data /tmp/x /home/app/.cache\ntouch /app.ready\nexec app\n"
    a = analyze_entrypoint(["/e.sh"], None, files({"/e.sh": script}))
    assert [(w.path, w.how, w.line) for w in a.root_writes] == [
        ("/data", "mkdir", 2),
        ("/app.ready", "touch", 3),
    ]


NGINX_ENTRY = """#!/bin/sh
set -e
if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    if /usr/bin/find "/docker-entrypoint.d/" -mindepth 1 -type f -print -quit | read v; then
        find "/docker-entrypoint.d/" -follow -type f -print | sort -V | while read -r f; do
            case "$f" in
                *.sh) "$f" ;;
            esac
        done
    fi
fi
exec "$@"
"""
ENVSUBST_HOOK = """#!/bin/sh
set -e
template_dir="/etc/nginx/templates"
output_dir="/etc/nginx/conf.d"
envsubst "$defined_envs" < "$template" > "$output_dir/default.conf"
sed -i -E 's,listen       80;,listen       8080;,' /etc/nginx/conf.d/default.conf
"""


def test_hook_directory_scripts_are_analysed_when_listing_is_known() -> None:
    fs = {
        "/docker-entrypoint.sh": NGINX_ENTRY,
        "/docker-entrypoint.d/20-envsubst-on-templates.sh": ENVSUBST_HOOK,
        "/docker-entrypoint.d/README": "not a script",
    }
    a = analyze_entrypoint(
        ["/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"], files(fs),
        list_paths=lambda: list(fs),
    )  # fmt: skip
    hook = "/docker-entrypoint.d/20-envsubst-on-templates.sh"
    assert a.scripts == ["/docker-entrypoint.sh", hook]
    assert [(w.path, w.how, w.file, w.line) for w in a.root_writes] == [
        ("/etc/nginx/conf.d/default.conf", "redirect", hook, line_of(ENVSUBST_HOOK, "envsubst")),
        ("/etc/nginx/conf.d/default.conf", "sed -i", hook, line_of(ENVSUBST_HOOK, "sed -i")),
    ]
    without = analyze_entrypoint(["/docker-entrypoint.sh"], ["nginx"], files(fs))
    assert without.scripts == ["/docker-entrypoint.sh"]


def test_cmd_shell_string_forwarded_through_exec_is_analysed() -> None:
    entry = '#!/bin/sh\nexec "$@"\n'
    a = analyze_entrypoint(
        ["/e.sh"], ["sh", "-c", "sysctl -w vm.max_map_count=262144 && exec elasticsearch"],
        files({"/e.sh": entry}),
    )  # fmt: skip
    assert [(h.kind, h.file, h.line) for h in a.host_mods] == [("sysctl", "/e.sh", 2)]
    assert ("elasticsearch",) in [p.argv for p in a.programs if p.main]


def test_refusal_to_run_as_non_root_is_not_a_guard() -> None:
    script = (
        "#!/bin/bash\n"
        'if [ "$(id -u)" -ne 0 ]; then\n'
        '  echo "run me as root" >&2\n'
        "  exit 1\n"
        "fi\n"
        "chown app /data\n"
        "exec gosu app /app\n"
    )
    a = analyze_entrypoint(["/e.sh"], None, files({"/e.sh": script}))
    assert a.root_guard is None
    assert a.root_required is not None and a.root_required.line == 2
    assert not a.needs_root_only_to_drop
    ok = '#!/bin/sh\nif [ "$(id -u)" != "0" ]; then\n  exec "$@"\nfi\nexec gosu app "$@"\n'
    b = analyze_entrypoint(["/e.sh"], ["/app"], files({"/e.sh": ok}))
    assert b.root_guard is not None and b.root_required is None and b.needs_root_only_to_drop
