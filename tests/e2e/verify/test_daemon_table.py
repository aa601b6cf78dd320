"""The 14 Debian daemon images (tests/daemon_images.py), unfixed, verified once per test session.

Restricted: every one but memcached fails, and discovery names the cause each daemon itself
reports when run that way (recorded by running them with ``--user 1000680000:0 --cap-drop=ALL
--security-opt no-new-privileges``). With ``--userns`` they run as root in a user namespace:
the derived wire-level probe passes against the real server (proving each probe speaks its
protocol), and no host UID is 0.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

import pytest

import daemon_images
from unroot.runtime.podman import Podman
from unroot.runtime.verify import VerifyOptions, verify_many

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

# daemon -> (rule, the path or port the daemon's own error names), observed at run time
RESTRICTED_CAUSE: dict[str, tuple[str, object] | None] = {
    "nginx": ("UR601", "/var/lib/nginx/body"),
    "redis": ("UR601", "/etc/redis/redis.conf"),
    "postgresql": ("UR601", "/var/lib/postgresql/15/main"),
    "lighttpd": ("UR601", "/run/lighttpd.pid"),
    "haproxy": ("UR602", 80),
    "mosquitto": ("UR601", "/run/mosquitto/mosquitto.pid"),
    "apache2": ("UR601", "/var/run/apache2"),
    "mariadb": ("UR601", "/var/lib/mysql/ddl_recovery.log"),
    "memcached": None,
    "squid": ("UR601", "/run/squid.pid"),
    "dnsmasq": ("UR602", 53),
    "bind9": ("UR603", None),
    "vsftpd": ("UR601", None),
    "php-fpm": ("UR601", "/var/log/php8.2-fpm.log"),
}
USERNS_FAILS: set[str] = set()
# the PostgreSQL image sets USER postgres (the server refuses root): not root inside either
IMAGE_USER = {"postgresql": 100}


@pytest.fixture(scope="session")
def table(
    podman: Podman, base_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """Both runs of all 14 images, computed by the first worker that asks, shared with the
    other pytest-xdist worker through a file keyed by the test run."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    shared = tmp_path_factory.getbasetemp().parent
    result_file = shared / f"daemon-table-{run_id}.json"
    with open(shared / f"daemon-table-{run_id}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result_file.is_file():
            data: dict[str, dict[str, Any]] = json.loads(result_file.read_text())
            return data
        names = list(daemon_images.DAEMONS)
        tags = [daemon_images.build(podman, n) for n in names]
        # traced from the first run (one run per image instead of a failed one plus a traced
        # re-run; the default re-run path is covered by the broken busybox images)
        restricted = verify_many(
            tags, VerifyOptions(timeout=60, trace="always"), jobs=2, podman=podman
        )
        # one at a time: a first --userns=auto run of an image makes podman copy its layers
        # for the new ID mapping under the storage lock, and parallel runs get new mappings
        userns = verify_many(
            tags, VerifyOptions(timeout=60, userns=True, trace="never"), jobs=1, podman=podman
        )
        data = {
            n: {"restricted": r.to_dict(), "userns": u.to_dict()}
            for n, r, u in zip(names, restricted, userns, strict=True)
        }
        result_file.write_text(json.dumps(data))
        _write_table(data, shared / f"daemon-table-{run_id}.txt")
        return data


def _write_table(data: dict[str, dict[str, Any]], path: Path) -> None:
    """The human table (kept beside the test run's temp files for reading)."""
    rows = []
    for name, runs in data.items():
        r = runs["restricted"]
        first = next((f for f in r["findings"] if f["data"].get("likely_cause")), None)
        cause = f"{first['rule']} {first['message']}" if first else "-"
        probe = r["probes"][0]["spec"] if r["probes"] else "-"
        rows.append(f"{name}\t{probe}\t{r['verdict']}\t{runs['userns']['verdict']}\t{cause}")
    path.write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("daemon", sorted(RESTRICTED_CAUSE))
def test_restricted_verdict_and_observed_cause(
    daemon: str, table: dict[str, dict[str, Any]]
) -> None:
    result = table[daemon]["restricted"]
    expected = RESTRICTED_CAUSE[daemon]
    assert result["violations"] == [], result["violations"]
    assert all(p["host"]["uid"][1] == 1000680000 for p in result["processes"])
    if expected is None:
        assert result["verdict"] == "pass", result["reasons"]
        return
    assert result["verdict"] == "fail", result["reasons"]
    rule, subject = expected
    likely = [f for f in result["findings"] if f["data"].get("likely_cause")]
    assert likely, (result["findings"], result["logs"])
    matching = [f for f in likely if f["rule"] == rule]
    assert matching, [(f["rule"], f["message"]) for f in likely]
    if subject is not None:
        key = "port" if isinstance(subject, int) else "path"
        assert subject in [f["data"].get(key) for f in matching], matching
    for f in matching:
        assert f["data"]["observed"] == "observed at run time"


@pytest.mark.parametrize("daemon", sorted(RESTRICTED_CAUSE))
def test_userns_serves_with_unprivileged_host_uids(
    daemon: str, table: dict[str, dict[str, Any]], userns_storage: None
) -> None:
    result = table[daemon]["userns"]
    context = (result["reasons"], result["probes"], result["logs"][-2000:])
    assert result["violations"] == [], context
    assert result["processes"], context
    for p in result["processes"]:
        assert 0 not in p["host"]["uid"] and p["user_namespace"]
    if daemon in USERNS_FAILS:
        assert result["verdict"] == "fail", context
        return
    assert result["verdict"] == "pass", context
    inside = IMAGE_USER.get(daemon, 0)
    assert any(p["container"]["uid"][1] == inside for p in result["processes"])
    probe = result["probes"][0]
    assert probe["ok"] and probe["derived"], probe
