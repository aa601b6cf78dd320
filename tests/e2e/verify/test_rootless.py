"""Rootless podman: a normal user, created for this test with subordinate ID ranges, runs
``unroot verify`` (restricted and --userns) on an image handed over as an OCI archive.

Set-up the test needs and removes again: the user (home, subordinate ranges), read-write
access to /dev/net/tun for slirp4netns (restored afterwards), a world-readable archive.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from unroot.runtime.podman import Podman

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

TUN = "/dev/net/tun"


@dataclass
class RootlessUser:
    name: str
    uid: int
    home: Path
    runtime_dir: Path
    share: Path

    def unroot(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {
            "HOME": str(self.home),
            "USER": self.name,
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "PYTHONPATH": os.pathsep.join(_python_path()),
        }
        return subprocess.run(
            ["runuser", "-u", self.name, "--", "env", *[f"{k}={v}" for k, v in env.items()],
             _python(self.name), "-m", "unroot", *args],
            capture_output=True, text=True, timeout=timeout, cwd=self.share, check=False,
        )  # fmt: skip


def _python_path() -> list[str]:
    import unroot

    src = str(Path(unroot.__file__).resolve().parents[1])
    return [src, *[p for p in sys.path if p.endswith("site-packages")]]


def _python(user: str) -> str:
    """This interpreter when the user may run it, else the system one (same minor version)."""
    ok = subprocess.run(["runuser", "-u", user, "--", sys.executable, "-c", "pass"],
                        capture_output=True, check=False)  # fmt: skip
    if ok.returncode == 0:
        return sys.executable
    return f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"


def _free_subid_start() -> int:
    used = []
    for name in ("/etc/subuid", "/etc/subgid"):
        for line in Path(name).read_text().splitlines():
            parts = line.split(":")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                used.append(int(parts[1]) + int(parts[2]))
    below = [end for end in used if end < 2**31 - 2**20]
    return max([1_000_000, *below]) + 65536


def _kill_user_processes(uid: int) -> None:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    os.kill(int(entry), 9)
            except OSError:
                continue


@pytest.fixture(scope="module")
def rootless_user(podman: Podman, images: dict[str, str]) -> Iterator[RootlessUser]:
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("runuser") is None:
        pytest.skip("creating a user needs root, useradd and runuser")
    name = f"unroot-rl-{secrets.token_hex(3)}"
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
    info = pwd.getpwnam(name)
    runtime_dir = Path(tempfile.mkdtemp(prefix=f"unroot-rl-xdg-{info.pw_uid}-"))
    share = Path(tempfile.mkdtemp(prefix="unroot-rl-share-"))
    tun_mode = stat.S_IMODE(os.stat(TUN).st_mode) if os.path.exists(TUN) else None
    try:
        if not any(
            ln.startswith(f"{name}:") for ln in Path("/etc/subuid").read_text().splitlines()
        ):
            start = _free_subid_start()
            ids = f"{start}-{start + 65535}"
            subprocess.run(
                ["usermod", "--add-subuids", ids, "--add-subgids", ids, name], check=True
            )
        os.chown(runtime_dir, info.pw_uid, info.pw_gid)
        os.chmod(runtime_dir, 0o700)
        os.chmod(share, 0o755)
        if tun_mode is not None and tun_mode & 0o006 != 0o006:
            os.chmod(TUN, tun_mode | 0o006)
        archive = share / "good.tar"
        podman.run_cmd(
            ["save", "--format", "oci-archive", "--output", str(archive), images["good"]]
        )
        os.chmod(archive, 0o644)
        yield RootlessUser(name, info.pw_uid, Path(info.pw_dir), runtime_dir, share)
    finally:
        _kill_user_processes(info.pw_uid)
        subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
        _kill_user_processes(info.pw_uid)
        shutil.rmtree(info.pw_dir, ignore_errors=True)
        shutil.rmtree(runtime_dir, ignore_errors=True)
        shutil.rmtree(share, ignore_errors=True)
        if tun_mode is not None:
            os.chmod(TUN, tun_mode)
        for name_file in ("/etc/subuid", "/etc/subgid"):
            assert f"{name}:" not in Path(name_file).read_text()


def test_rootless_verify_and_run(rootless_user: RootlessUser) -> None:
    ref = f"oci-archive:{rootless_user.share / 'good.tar'}"
    res = rootless_user.unroot("verify", ref, "--format", "json", "--trace", "always")
    assert res.returncode == 0, (res.stdout[-2000:], res.stderr[-2000:])
    (result,) = json.loads(res.stdout)["results"]
    assert result["verdict"] == "pass"
    subuids = [int(line.split(":")[1]) for line in Path("/etc/subuid").read_text().splitlines()
               if line.startswith(f"{rootless_user.name}:")]  # fmt: skip
    for p in result["processes"]:
        host_uid = p["host"]["uid"][1]
        assert host_uid != 0 and host_uid != rootless_user.uid
        assert any(s <= host_uid < s + 2**20 for s in subuids), (host_uid, subuids)
        assert p["cap_eff"] == "0" * 16
    assert result["runs"][0]["traced"] is True
    res = rootless_user.unroot("verify", ref, "--format", "json", "--userns")
    assert res.returncode == 0, (res.stdout[-2000:], res.stderr[-2000:])
    (result,) = json.loads(res.stdout)["results"]
    httpd = [p for p in result["processes"] if p["name"] == "httpd"]
    assert httpd
    for p in httpd:
        assert p["container"]["uid"][1] == 0  # root inside ...
        assert p["host"]["uid"][1] == rootless_user.uid  # ... is the user outside
        assert p["user_namespace"]
    # and unroot run, as the same user (one test: pytest-xdist must not create two users)
    res = rootless_user.unroot("run", ref, "--", "id", "-u")
    assert res.returncode == 0, res.stderr
    assert int(res.stdout.strip()) > 1000
    assert "podman run" in res.stderr and "--cap-drop ALL" in res.stderr
