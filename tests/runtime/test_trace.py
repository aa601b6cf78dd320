"""strace's output, parsed: lines from a real traced process (attached before it starts its
work, the way verify attaches to a container) and the corner cases of strace's quoting."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from unroot.runtime.discovery import denials_from_trace
from unroot.runtime.trace.events import (
    Exit,
    Syscall,
    decode_c_string,
    parse_line,
    parse_lines,
    split_args,
    uncollected_output,
)
from unroot.runtime.trace.strace import Tracer

needs_strace = pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")


def test_decode_c_string() -> None:
    assert decode_c_string('"/var/lib/x"') == "/var/lib/x"
    assert decode_c_string(r'"/etc/we ird\"x"') == '/etc/we ird"x'
    assert decode_c_string(r'"a\nb\tc\\d"') == "a\nb\tc\\d"
    assert decode_c_string(r'"\x2f\x74\155p"') == "/tmp"
    assert decode_c_string('"truncated"...') == "truncated"
    assert decode_c_string("AT_FDCWD") is None
    assert decode_c_string("NULL") is None


def test_split_args_respects_nesting_and_quotes() -> None:
    text = (
        '3<TCPv6:[1]>, {sa_family=AF_INET6, sin6_port=htons(80), inet_pton(AF_INET6, "::", '
        "&sin6_addr), sin6_scope_id=0}, 28"
    )
    assert len(split_args(text)) == 3
    assert split_args('AT_FDCWD</a, b>, "x, y", O_RDONLY') == [
        "AT_FDCWD</a, b>",
        '"x, y"',
        "O_RDONLY",
    ]


def test_parse_lines() -> None:
    call = parse_line(
        '42 1700000000.250000 openat(AT_FDCWD</var/lib/mysql>, "./ddl_recovery.log", '
        "O_RDWR|O_CREAT|O_CLOEXEC, 0660) = -1 EACCES (Permission denied)"
    )
    assert isinstance(call, Syscall)
    assert (call.pid, call.name, call.errno) == (42, "openat", "EACCES")
    assert call.fd_annotation(0) == "/var/lib/mysql"
    assert call.string(1) == "./ddl_recovery.log"
    ended = parse_line("42 1700000000.300000 +++ exited with 1 +++")
    assert isinstance(ended, Exit) and ended.code == 1
    killed = parse_line("43 1700000000.300000 +++ killed by SIGKILL +++")
    assert isinstance(killed, Exit) and killed.signal == "SIGKILL"
    assert parse_line("garbage") is None
    assert parse_line("42 1.0 close(3) = 0") is None  # succeeded: not a failure


def _waiting_shell(script: str) -> subprocess.Popen[bytes]:
    """A shell as UID 65534 that does ``script`` once a byte arrives on stdin."""
    return subprocess.Popen(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
         "sh", "-c", f"read go; {script}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd="/",
    )  # fmt: skip


@needs_strace
@pytest.mark.skipif(os.geteuid() != 0, reason="switches to UID 65534")
def test_tracer_attached_before_start_sees_the_first_failures() -> None:
    base = Path(tempfile.mkdtemp(prefix="unroot-trace-test-"))
    base.chmod(0o755)
    locked = base / "locked"
    locked.mkdir(mode=0o755)
    script = (
        f"mkdir {locked}/sub; true > {locked}/file; cd {locked} && mkdir rel; "
        "chown 0 /tmp; exec /bin/true"
    )
    proc = _waiting_shell(script)
    tracer = Tracer(proc.pid)
    try:
        tracer.start()
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        proc.wait(timeout=30)
        result = tracer.stop()
    finally:
        tracer.cleanup()
        shutil.rmtree(base)
    denials = denials_from_trace(result.events)
    # libc picks the *at() variants; the meaning is the same
    seen = {(d.kind, d.syscall.removesuffix("at").removeprefix("f"), d.path) for d in denials}
    assert ("path", "mkdir", f"{locked}/sub") in seen
    assert ("path", "open", f"{locked}/file") in seen
    assert ("capability", "chown", "/tmp") in seen
    # a relative path without a directory descriptor stays relative (the cwd is not traced)
    assert ("path", "mkdir", "rel") in seen
    assert any(isinstance(e, Exit) for e in result.events)


@needs_strace
def test_tracer_reports_a_process_it_cannot_attach_to() -> None:
    from unroot.errors import ToolError

    with pytest.raises(ToolError, match="strace"):
        Tracer(2**22 + 12345).start()


def test_missing_strace_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from unroot.errors import ToolError

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match="apt-get install strace"):
        Tracer(os.getpid())


def test_output_trace_keeps_what_went_to_files_and_devices() -> None:
    lines = [
        '7 1.0 write(0</dev/null<char 1:3>>, "500 OOPS: ", 10) = 10',
        '7 1.1 write(0</dev/null<char 1:3>>, "config file not owned by correct user", 37) = 37',
        '7 1.2 write(1<pipe:[4711]>, "collected by podman", 19) = 19',
        '7 1.3 writev(3</var/log/app/error.log>, [{iov_base="fatal: ", iov_len=7}, '
        '{iov_base="no\\n", iov_len=3}], 2) = 10',
        '7 1.4 write(5<TCP:[1]>, "GET / HTTP/1.1", 14) = 14',
        '7 1.5 write(0</dev/null<char 1:3>>, "x", 1) = -1 EBADF (Bad file descriptor)',
    ]
    events = list(parse_lines(lines))
    assert uncollected_output(events) == (
        "500 OOPS: config file not owned by correct user" + "fatal: no\n"
    )


@needs_strace
def test_output_tracer_sees_writes_to_dev_null() -> None:
    proc = subprocess.Popen(
        ["sh", "-c", "read go; echo 'hidden complaint' >/dev/null; exit 2"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    tracer = Tracer(proc.pid, mode="output")
    try:
        tracer.start()
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        proc.wait(timeout=30)
        result = tracer.stop()
    finally:
        tracer.cleanup()
    assert "hidden complaint" in uncollected_output(result.events)
