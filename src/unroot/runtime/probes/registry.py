"""Probe kind -> the function that speaks it, imported on first use (an HTTP probe should not
pay for the TLS stack, a Redis probe not for http.client)."""

from __future__ import annotations

import importlib

from unroot.runtime.probes.base import Probe

MODULES: dict[str, str] = {
    "http": "http",
    "https": "http",
    "http-proxy": "http",
    "tcp": "tcp",
    "redis": "redis",
    "postgres": "postgres",
    "mysql": "mysql",
    "mqtt": "mqtt",
    "dns": "dns",
    "smtp": "smtp",
    "ftp": "ftp",
    "memcached": "memcached",
    "fastcgi": "fastcgi",
    "cmd": "cmd",
}


def probe_for(kind: str) -> Probe:
    module = importlib.import_module(f"unroot.runtime.probes.{MODULES[kind]}")
    probe: Probe = module.probe
    return probe
