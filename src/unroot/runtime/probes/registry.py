"""Probe kind -> the function that speaks it."""

from __future__ import annotations

from unroot.runtime.probes import (
    cmd,
    dns,
    fastcgi,
    ftp,
    http,
    memcached,
    mqtt,
    mysql,
    postgres,
    redis,
    smtp,
    tcp,
)
from unroot.runtime.probes.base import Probe
from unroot.runtime.probes.spec import KINDS

PROBES: dict[str, Probe] = {
    "http": http.probe,
    "https": http.probe,
    "http-proxy": http.probe,
    "tcp": tcp.probe,
    "redis": redis.probe,
    "postgres": postgres.probe,
    "mysql": mysql.probe,
    "mqtt": mqtt.probe,
    "dns": dns.probe,
    "smtp": smtp.probe,
    "ftp": ftp.probe,
    "memcached": memcached.probe,
    "fastcgi": fastcgi.probe,
    "cmd": cmd.probe,
}
assert set(PROBES) == set(KINDS)


def probe_for(kind: str) -> Probe:
    return PROBES[kind]
