"""Daemon detection and path checks against image metadata, and the daemon rules."""

from __future__ import annotations

from daemon_helpers import analyze, line_of

from unroot.daemons.analyze import analyze_image
from unroot.findings import Category
from unroot.oci.model import EntryType, FileEntry, FileTree, Image, ImageConfig
from unroot.rules.base import rules_of, run_rules
from unroot.shell.entrypoint import analyze_image as analyze_entrypoint_image

NGINX = """user  nginx;
worker_processes  auto;
error_log  /var/log/nginx/error.log notice;
pid        /var/run/nginx.pid;
http {
    access_log  /var/log/nginx/access.log  main;
    client_body_temp_path /var/cache/nginx/client_temp;
    server {
        listen       80;
        server_name  localhost;
    }
}
"""


def _d(path: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> FileEntry:
    return FileEntry(path, EntryType.DIR, mode, uid, gid, layer="sha256:base")


def _f(path: str, mode: int = 0o644, uid: int = 0, gid: int = 0) -> FileEntry:
    return FileEntry(path, EntryType.FILE, mode, uid, gid, layer="sha256:app")


def _l(path: str, target: str) -> FileEntry:
    return FileEntry(path, EntryType.SYMLINK, 0o777, 0, 0, linkname=target, layer="sha256:app")


def nginx_image(cache_mode: int) -> Image:
    tree = FileTree()
    for d in ("etc", "etc/nginx", "var", "var/log", "var/log/nginx", "var/cache", "run", "usr",
              "usr/sbin"):  # fmt: skip
        tree.put(_d(d))
    tree.put(_l("var/run", "/run"))
    tree.put(_d("var/cache/nginx", cache_mode))
    tree.put(_l("var/log/nginx/access.log", "/dev/stdout"))
    tree.put(_l("var/log/nginx/error.log", "/dev/stderr"))
    tree.put(_f("usr/sbin/nginx", 0o755))
    tree.put(_f("etc/nginx/nginx.conf"), content=NGINX.encode())
    cfg = ImageConfig(cmd=["nginx", "-g", "daemon off;"], exposed_ports=["80/tcp"])
    return Image(ref="nginx-like", config=cfg, layers=[], tree=tree)


def test_image_mode_path_checks_follow_symlinks() -> None:
    image = nginx_image(0o755)
    ep = analyze_entrypoint_image(image)
    a = analyze_image(image, ep)
    assert a.detected_by == {"nginx": "entrypoint"} and a.running == {"nginx"}
    issues = {(i.path.path, i.checked) for i in a.path_issues}
    # logs go to /dev/stdout: fine; /var/run -> /run is root-owned 0755; cache dir root 0755;
    # nginx.org's build (it has /var/cache/nginx) compiles in four more temp paths there
    assert issues == {
        ("/var/run/nginx.pid", "/run"),
        ("/var/cache/nginx/client_temp", "/var/cache/nginx"),
        *(
            (f"/var/cache/nginx/{name}_temp", "/var/cache/nginx")
            for name in ("proxy", "fastcgi", "uwsgi", "scgi")
        ),
    }
    cache = next(i for i in a.path_issues if i.checked == "/var/cache/nginx")
    assert (cache.uid, cache.gid, cache.mode, cache.layer) == (0, 0, 0o755, "sha256:base")


def test_group_zero_writable_dirs_are_fine() -> None:
    a = analyze_image(nginx_image(0o775))
    assert {i.path.path for i in a.path_issues} == {"/var/run/nginx.pid"}
    assert a.detected_by == {"nginx": "config"}


def test_daemon_rules_on_nginx_image() -> None:
    image = nginx_image(0o755)
    a = analyze_image(image, analyze_entrypoint_image(image))
    findings = run_rules("daemon", a)
    by_rule: dict[str, list[str]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f.message)
    assert sorted(by_rule) == ["UR401", "UR402", "UR403"]
    [low] = [f for f in findings if f.rule == "UR401"]
    assert low.category is Category.LOW_PORT
    assert low.data["port"] == 80 and low.data["suggested_port"] == 8080
    assert low.evidence[0].file == "/etc/nginx/nginx.conf"
    assert low.evidence[0].line == line_of(NGINX, "listen")
    assert "listen 8080" in (low.fix or "")
    [user] = [f for f in findings if f.rule == "UR402"]
    assert user.category is Category.PRIVILEGE_DROP_AT_START
    assert user.data["user"] == "nginx" and user.evidence[0].line == 1
    paths = sorted(f.data["path"] for f in findings if f.rule == "UR403")
    assert paths == [
        "/var/cache/nginx/client_temp",
        "/var/cache/nginx/fastcgi_temp",
        "/var/cache/nginx/proxy_temp",
        "/var/cache/nginx/scgi_temp",
        "/var/cache/nginx/uwsgi_temp",
        "/var/run/nginx.pid",
    ]
    assert all(f.category is Category.ROOT_OWNED_WRITABLE_PATHS for f in findings
               if f.rule == "UR403")  # fmt: skip


def test_rule_ids_pinned_and_quiet_for_high_ports() -> None:
    assert [r.id for r in rules_of("daemon")] == [
        "UR401",
        "UR402",
        "UR403",
        "UR404",
        "UR405",
        "UR406",
    ]
    a = analyze({"/etc/redis/redis.conf": "port 6380\n"})
    assert run_rules("daemon", a) == []
    b = analyze({"/etc/redis/redis.conf": "port 6380\n"}, [("redis-server", "--port", "80")])
    [f] = run_rules("daemon", b)
    assert f.rule == "UR401" and f.evidence[0].file is None and "command line" in f.message


def test_binary_only_daemon_has_no_default_ports() -> None:
    tree = FileTree()
    tree.put(_d("usr"))
    tree.put(_d("usr/sbin"))
    tree.put(_f("usr/sbin/sshd", 0o755))
    image = Image(ref="x", config=ImageConfig(cmd=["/bin/sh"]), layers=[], tree=tree)
    a = analyze_image(image)
    assert a.detected_by == {"openssh": "binary"}
    assert run_rules("daemon", a) == []
