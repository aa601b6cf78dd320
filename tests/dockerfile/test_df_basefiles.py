from __future__ import annotations

from pathlib import Path

from unroot.dockerfile.basefiles import WithBaseIncludes
from unroot.pipeline.dockerfile import scan_dockerfile


def test_stub_only_when_the_dockerfile_adds_to_the_include_dir() -> None:
    files = {"/etc/nginx/conf.d/site.conf": "server { listen 443; }\n"}
    with_conf = WithBaseIncludes(files.get, lambda: list(files))
    assert "include /etc/nginx/conf.d/*.conf;" in (with_conf("/etc/nginx/nginx.conf") or "")
    assert with_conf("/etc/nginx/conf.d/site.conf") == files["/etc/nginx/conf.d/site.conf"]
    other = {"/srv/app.conf": "x"}
    without = WithBaseIncludes(other.get, lambda: list(other))
    assert without("/etc/nginx/nginx.conf") is None
    assert "/etc/nginx/nginx.conf" not in without.paths()


def test_context_main_config_wins() -> None:
    files = {"/etc/nginx/nginx.conf": "http { server { listen 8080; } }\n"}
    source = WithBaseIncludes(files.get, lambda: list(files))
    assert source("/etc/nginx/nginx.conf") == files["/etc/nginx/nginx.conf"]


def test_conf_d_port_reaches_the_daemon_rules(tmp_path: Path) -> None:
    (tmp_path / "site.conf").write_text("server {\n    listen 443 ssl;\n}\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM nginxinc/nginx-unprivileged:1.25\nCOPY site.conf /etc/nginx/conf.d/\n"
    )
    target = scan_dockerfile(str(tmp_path), base_lookup=False)
    ports = [f for f in target.findings if f.category.value == "low_port"]
    assert ports and ports[0].evidence[0].file == "/etc/nginx/conf.d/site.conf"
    assert ports[0].evidence[0].line == 2
