"""Apache Tomcat: the ``Connector`` and shutdown ``Server`` ports of ``conf/server.xml`` under
``CATALINA_BASE`` (Debian: /etc/tomcat10, reached as /var/lib/tomcat10/conf; the official
image: /usr/local/tomcat/conf), and the logs and work directories it writes.

Debian's tomcat10 package ships its conf files 0640 root:tomcat: run as 1000680000:0 Tomcat
cannot read server.xml ("Permissions incorrect, read permission is not allowed on the file";
"Cannot start server. Server instance is not configured"). Comments are skipped, as the
XML parser skips them (the packaged AJP and TLS connectors are commented out).
"""

from __future__ import annotations

import posixpath
import re

from unroot.daemons.model import DaemonConfig, Listen
from unroot.daemons.source import ConfigSource, open_config

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<(Connector|Server)\b([^>]*)>", re.S)
_ATTR = re.compile(r'(\w+)\s*=\s*"([^"]*)"')


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    cleaned = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for m in _TAG.finditer(cleaned):
        attrs = dict(_ATTR.findall(m.group(2)))
        port = attrs.get("port", "")
        if not port.lstrip("-").isdigit() or int(port) <= 0:
            continue
        line = cleaned.count("\n", 0, m.start()) + 1
        directive = f"{m.group(1)} port"
        cfg.listen.append(Listen(int(port), "tcp", path, line, attrs.get("address", ""), directive))
    base = posixpath.dirname(posixpath.dirname(path))
    if path.startswith("/etc/tomcat"):  # Debian: CATALINA_BASE is /var/lib/tomcatN
        base = "/var/lib/" + path.split("/")[2]
    cfg.options["catalina_base"] = base
    for key in ("logging.properties", "web.xml", "context.xml", "catalina.properties"):
        other = posixpath.join(posixpath.dirname(path), key)
        if src.exists(other):
            cfg.add_read(other, "config", path, 0, key)


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    base = cfg.options.get("catalina_base")
    if not base or not cfg.files:
        return
    main = cfg.files[0]
    cfg.add_path(posixpath.join(base, "logs"), "log", main, 0, "CATALINA_BASE/logs", is_dir=True)
    cfg.add_path(posixpath.join(base, "work"), "temp", main, 0, "CATALINA_BASE/work", is_dir=True)
