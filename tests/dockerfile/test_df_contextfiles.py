from __future__ import annotations

from pathlib import Path

from unroot.dockerfile.analysis import analyze
from unroot.dockerfile.contextfiles import ContextFiles
from unroot.dockerfile.entry import entry_argv


def _ctx(tmp_path: Path, text: str) -> ContextFiles:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return ContextFiles(analyze(text, str(path), str(tmp_path), base_lookup=False))


def test_copy_into_directory_and_rename(tmp_path: Path) -> None:
    (tmp_path / "docker-entrypoint.sh").write_text('#!/bin/sh\nexec gosu app "$@"\n')
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "nginx.conf").write_text("listen 80;\n")
    files = _ctx(
        tmp_path,
        "FROM alpine\nCOPY docker-entrypoint.sh /usr/local/bin/\n"
        "COPY conf/ /etc/nginx/\nWORKDIR /srv\nCOPY docker-entrypoint.sh run.sh\n",
    )
    assert files("/usr/local/bin/docker-entrypoint.sh") == '#!/bin/sh\nexec gosu app "$@"\n'
    assert files("/etc/nginx/nginx.conf") == "listen 80;\n"
    assert files("/srv/run.sh") is not None
    assert files("/etc/passwd") is None


def test_heredoc_copy(tmp_path: Path) -> None:
    files = _ctx(tmp_path, "FROM alpine\nCOPY <<EOF /start.sh\n#!/bin/sh\nsysctl -w a=1\nEOF\n")
    assert files("/start.sh") == "#!/bin/sh\nsysctl -w a=1\n"


def test_copy_from_stage_follows_its_context_copy(tmp_path: Path) -> None:
    (tmp_path / "app.conf").write_text("port 80\n")
    files = _ctx(
        tmp_path,
        "FROM alpine AS b\nCOPY app.conf /build/app.conf\n"
        "FROM alpine\nCOPY --from=b /build/app.conf /etc/app.conf\n",
    )
    assert files("/etc/app.conf") == "port 80\n"


def test_sources_outside_context_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path.parent / "outside.txt"
    secret.write_text("secret")
    ctxdir = tmp_path / "ctx"
    ctxdir.mkdir()
    files = _ctx(ctxdir, "FROM alpine\nCOPY ../outside.txt /x\n")
    assert files("/x") is None


def test_entry_argv_shell_and_exec_forms(tmp_path: Path) -> None:
    text = 'FROM alpine\nENTRYPOINT ["/e.sh"]\nCMD run --now\n'
    ctx = analyze(text, "D", str(tmp_path), base_lookup=False)
    assert entry_argv(ctx) == (["/e.sh"], ["/bin/sh", "-c", "run --now"])
