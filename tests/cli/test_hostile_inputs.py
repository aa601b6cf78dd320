"""Hostile non-image inputs through the real CLI: Dockerfiles and build contexts, workload
YAML and folders, command-line values, and outputs. Every case is refused with exit 2 and
one ``unroot: error:`` line (or, for content that is merely odd, answered without a
traceback), within 10 s and 300 MB, and nothing outside the output changes."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from measured import assert_bounded, assert_refused, run_unroot, tree

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n"
    "  securityContext: {{runAsUser: {uid}}}\n  containers:\n  - {{name: c, image: {image}}}\n"
)


def pod(uid: str = "1000", image: str = "example.com/app:1") -> str:
    return POD.format(uid=uid, image=image)


@dataclass(frozen=True)
class Case:
    argv: list[str]
    pattern: str | None
    """Regex the one error line matches; None: the input is odd but valid (no exit 2)."""
    stdin: bytes | None = None


Builder = Callable[[Path], Case]
CASES: dict[str, Builder] = {}


def case(name: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        CASES[name] = fn
        return fn

    return register


def dockerfile(tmp: Path, text: str | bytes, name: str = "Dockerfile") -> Path:
    ctx = tmp / "ctx"
    ctx.mkdir(exist_ok=True)
    path = ctx / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return ctx


def doubling(keyword: str, ref: str, steps: int = 40) -> str:
    lines = ["FROM busybox", f"{keyword} A=xxxxxxxxxxxxxxxx"]
    lines += [f"{keyword} A={ref}{ref}" for _ in range(steps)]
    return "\n".join([*lines, "USER 1000", 'CMD ["sh"]']) + "\n"


# -- Dockerfiles and build contexts ------------------------------------------------------


@case("df-symlink-to-shadow")
def _(tmp: Path) -> Case:
    ctx = tmp / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").symlink_to("/etc/shadow")
    return Case(["scan", str(ctx)], "leads out of")


@case("df-symlink-to-passwd-relative")
def _(tmp: Path) -> Case:
    ctx = tmp / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").symlink_to("../../../../../../../../etc/passwd")
    return Case(["scan", str(ctx)], "leads out of")


@case("df-containerfile-symlink-out")
def _(tmp: Path) -> Case:
    ctx = tmp / "ctx"
    ctx.mkdir()
    (ctx / "Containerfile").symlink_to("/etc/hostname")
    return Case(["scan", str(ctx)], "leads out of")


@case("df-fifo-in-context")
def _(tmp: Path) -> Case:
    ctx = tmp / "ctx"
    ctx.mkdir()
    os.mkfifo(ctx / "Dockerfile")
    return Case(["scan", str(ctx)], "FIFO")


@case("df-fifo-named")
def _(tmp: Path) -> Case:
    os.mkfifo(tmp / "Dockerfile")
    return Case(["scan", str(tmp / "Dockerfile")], "FIFO")


@case("df-dev-zero")
def _(tmp: Path) -> Case:
    return Case(["scan", "/dev/zero"], "character device")


@case("df-dev-urandom")
def _(tmp: Path) -> Case:
    return Case(["scan", "/dev/urandom"], "character device")


@case("df-dangling-link")
def _(tmp: Path) -> Case:
    (tmp / "Dockerfile").symlink_to(tmp / "nowhere")
    return Case(["scan", str(tmp / "Dockerfile")], "(?i)no such file")


@case("df-directory-named-dockerfile")
def _(tmp: Path) -> Case:
    ctx = tmp / "ctx"
    (ctx / "Dockerfile").mkdir(parents=True)
    return Case(["scan", str(ctx)], "directory|not a regular file")


@case("df-huge")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, b"FROM busybox\nRUN " + b"a" * (20 << 20) + b"\n")
    return Case(["scan", str(ctx)], "larger than")


@case("df-invalid-utf8")
def _(tmp: Path) -> Case:
    return Case(["scan", str(dockerfile(tmp, b"FROM busybox\nRUN echo \xff\xfe\n"))], "not UTF-8")


@case("df-nul-bytes")
def _(tmp: Path) -> Case:
    return Case(["scan", str(dockerfile(tmp, b"FROM busybox\x00\nUSER 1\n"))], "NUL")


@case("df-empty")
def _(tmp: Path) -> Case:
    return Case(["scan", str(dockerfile(tmp, b""))], "empty|no instructions")


@case("df-host-file-not-quoted")
def _(tmp: Path) -> Case:
    secret = "ROOTSECRET:$6$abcdefgh:19000:0:99999:7:::\n"
    return Case(["scan", str(dockerfile(tmp, secret))], r"^(?!.*ROOTSECRET)")


@case("df-garbage-not-quoted")
def _(tmp: Path) -> Case:
    text = "FROM busybox\nTOPSECRETVALUE=hunter2 \\\n"
    return Case(["scan", str(dockerfile(tmp, text))], None)


@case("df-env-doubling")
def _(tmp: Path) -> Case:
    return Case(["scan", str(dockerfile(tmp, doubling("ENV", "$A")))], "more than 1 MiB")


@case("df-env-brace-doubling")
def _(tmp: Path) -> Case:
    return Case(["scan", str(dockerfile(tmp, doubling("ENV", "${A}")))], "more than 1 MiB")


@case("df-arg-doubling")
def _(tmp: Path) -> Case:
    return Case(["scan", str(dockerfile(tmp, doubling("ARG", "$A")))], "more than 1 MiB")


@case("df-arg-default-doubling")
def _(tmp: Path) -> Case:
    text = doubling("ARG", "${A:-x}")
    return Case(["scan", str(dockerfile(tmp, text))], "more than 1 MiB")


@case("df-global-arg-doubling")
def _(tmp: Path) -> Case:
    lines = ["ARG A=xxxxxxxxxxxxxxxx", *["ARG A=$A$A" for _ in range(40)], "FROM busybox:$A"]
    return Case(["scan", str(dockerfile(tmp, "\n".join(lines) + "\n"))], "more than 1 MiB")


@case("df-too-many-stages")
def _(tmp: Path) -> Case:
    text = "".join(f"FROM busybox AS s{i}\n" for i in range(300))
    return Case(["scan", str(dockerfile(tmp, text))], "more than 256 stages")


@case("df-too-many-lines")
def _(tmp: Path) -> Case:
    text = "FROM busybox\n" + "# c\n" * 30_000
    return Case(["scan", str(dockerfile(tmp, text))], "too many lines")


@case("df-copy-from-huge-index")
def _(tmp: Path) -> Case:
    text = f"FROM busybox\nFROM busybox\nCOPY --from={'1' * 5000} /a /b\n"
    return Case(["scan", str(dockerfile(tmp, text))], "--from")


@case("df-copy-from-superscript")
def _(tmp: Path) -> Case:
    text = "FROM busybox\nFROM busybox\nCOPY --from=\u00b2 /a /b\nUSER 1000\n"
    return Case(["scan", str(dockerfile(tmp, text))], None)


@case("df-user-huge-number")
def _(tmp: Path) -> Case:
    return Case(["scan", str(dockerfile(tmp, f"FROM busybox\nUSER {'9' * 5000}\n"))], None)


@case("df-user-superscript")
def _(tmp: Path) -> Case:
    return Case(["scan", str(dockerfile(tmp, "FROM busybox\nUSER \u00b2:\u0663\n"))], None)


@case("df-expose-huge-port")
def _(tmp: Path) -> Case:
    text = f"FROM busybox\nEXPOSE {'8' * 5000}\nEXPOSE \u00b2\nUSER 1000\n"
    return Case(["scan", str(dockerfile(tmp, text))], None)


@case("df-target-huge-number")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    return Case(["scan", "--target", "7" * 5000, str(ctx)], "stage|target")


def _sourcing(tmp: Path, spelling: str) -> Case:
    ctx = tmp / "ctx"
    (ctx / "s").mkdir(parents=True)
    for level in range(10):
        body = "echo hi\n" if level == 9 else f". {spelling}/s/l{level + 1}.sh\n" * 12
        (ctx / "s" / f"l{level}.sh").write_text("#!/bin/sh\n" + body)
    (ctx / "Dockerfile").write_text(
        'FROM busybox\nCOPY s /app/s\nUSER 1000\nENTRYPOINT ["/app/s/l0.sh"]\n'
    )
    return Case(["scan", str(ctx)], "more than 512 times")


@case("sh-source-fanout")
def _(tmp: Path) -> Case:
    return _sourcing(tmp, "/app")


@case("sh-source-fanout-double-slash")
def _(tmp: Path) -> Case:
    return _sourcing(tmp, "//app")


@case("sh-source-fanout-dotdot")
def _(tmp: Path) -> Case:
    return _sourcing(tmp, "/app/s/../")


@case("sh-source-self-loop-spellings")
def _(tmp: Path) -> Case:
    ctx = tmp / "ctx"
    ctx.mkdir()
    (ctx / "e.sh").write_text("#!/bin/sh\n. //e.sh\n. /./e.sh\n. /e.sh\nexec app\n")
    (ctx / "Dockerfile").write_text('FROM busybox\nCOPY e.sh /e.sh\nUSER 1000\nCMD ["/e.sh"]\n')
    return Case(["scan", str(ctx)], None)


def _context_with(tmp: Path, make: Callable[[Path], None]) -> Case:
    ctx = tmp / "ctx"
    (ctx / "app").mkdir(parents=True)
    make(ctx / "app")
    (ctx / "Dockerfile").write_text(
        'FROM busybox\nCOPY app /app\nUSER 1000\nENTRYPOINT ["/app/start.sh"]\n'
    )
    return Case(["scan", str(ctx)], None)


@case("ctx-copied-link-to-shadow")
def _(tmp: Path) -> Case:
    return _context_with(tmp, lambda d: (d / "start.sh").symlink_to("/etc/shadow"))


@case("ctx-copied-link-to-passwd")
def _(tmp: Path) -> Case:
    return _context_with(tmp, lambda d: (d / "start.sh").symlink_to("/etc/passwd"))


@case("ctx-copied-fifo")
def _(tmp: Path) -> Case:
    return _context_with(tmp, lambda d: os.mkfifo(d / "start.sh"))


@case("ctx-copied-dir-link-out")
def _(tmp: Path) -> Case:
    return _context_with(tmp, lambda d: (d / "etc").symlink_to("/etc"))


@case("ctx-copied-huge-file")
def _(tmp: Path) -> Case:
    return _context_with(tmp, lambda d: (d / "start.sh").write_bytes(b"#!/bin/sh\n" * (1 << 20)))


# -- workload YAML -----------------------------------------------------------------------


def manifest(tmp: Path, text: str | bytes, name: str = "m.yaml") -> str:
    path = tmp / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def bomb(levels: int) -> str:
    lines = ["spec: {containers: [{name: c, image: x}]}", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "kind: Pod\n" + "\n".join(lines) + "\n"


@case("yaml-billion-laughs")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, bomb(9))], "too many values")


@case("yaml-many-small-bombs")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, "---\n".join([bomb(5)] * 60))], "too many values")


@case("yaml-bombs-across-files")
def _(tmp: Path) -> Case:
    folder = tmp / "many"
    folder.mkdir()
    for i in range(40):
        (folder / f"b{i}.yaml").write_text(bomb(6))
    return Case(["check", str(folder)], "too many values")


@case("yaml-deep-flow-nesting")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, "kind: Pod\nx: " + "[" * 5000 + "]" * 5000)], "deep")


@case("yaml-deep-block-nesting")
def _(tmp: Path) -> Case:
    text = "kind: Pod\n" + "".join(" " * i + f"k{i}:\n" for i in range(200))
    return Case(["check", manifest(tmp, text)], "deep")


@case("yaml-deep-mapping-flow")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, "kind: Pod\nx: " + "{a: " * 3000 + "}" * 3000)], "deep")


@case("yaml-over-16mib")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, "# " + "x" * (17 << 20) + "\n")], "larger than 16 MiB")


@case("yaml-stdin-over-16mib")
def _(tmp: Path) -> Case:
    return Case(["check", "-"], "larger than 16 MiB", stdin=b"#" * (17 << 20))


@case("yaml-folder-over-run-budget")
def _(tmp: Path) -> Case:
    folder = tmp / "big"
    folder.mkdir()
    for i in range(3):
        (folder / f"m{i}.yaml").write_bytes(b"# " + b"x" * (7 << 20) + b"\n" + pod().encode())
    return Case(["check", str(folder)], "larger than 16 MiB together")


@case("yaml-files-over-run-budget")
def _(tmp: Path) -> Case:
    paths = [manifest(tmp, "# " + "x" * (7 << 20) + "\n" + pod(), f"m{i}.yaml") for i in range(3)]
    return Case(["check", *paths], "larger than 16 MiB together")


@case("yaml-dev-zero")
def _(tmp: Path) -> Case:
    return Case(["check", "/dev/zero"], "larger than 16 MiB|character device")


@case("yaml-invalid-utf8")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, b"kind: Pod\nmetadata: {name: \xff\xfe}\n")], "UTF-8")


@case("yaml-latin1-stdin")
def _(tmp: Path) -> Case:
    return Case(["check", "-"], "UTF-8", stdin=b"kind: Pod\nmetadata: {name: caf\xe9}\n")


@case("yaml-nul")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, b"kind: Pod\x00\n")], "invalid|NUL|control|special")


@case("yaml-python-tag")
def _(tmp: Path) -> Case:
    text = "kind: !!python/object/apply:os.system ['touch /tmp/pwned']\n"
    return Case(["check", manifest(tmp, text)], None)


@case("yaml-duplicate-keys")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, "kind: Pod\nkind: Pod\n")], None)


@case("yaml-unclosed-quote")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, "kind: Pod\nmetadata: {name: 'p\n")], "invalid|YAML")


@case("yaml-undefined-alias")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, "kind: Pod\nx: *nope\n")], "alias|invalid|YAML")


@case("yaml-runasuser-huge")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, pod(uid="9" * 5000))], "integer|too long|invalid")


@case("yaml-runasuser-4000-digits")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, pod(uid="9" * 4000))], None)


@case("yaml-runasuser-superscript")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, pod(uid="'\u00b2'"))], None)


@case("yaml-runasuser-negative-huge")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, pod(uid="-" + "1" * 3000))], None)


@case("yaml-namespace-annotation-huge")
def _(tmp: Path) -> Case:
    ns = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  annotations:\n"
        f"    openshift.io/sa.scc.uid-range: '{'1' * 5000}/{'2' * 5000}'\n---\n"
    )
    return Case(["check", manifest(tmp, ns + pod())], None)


@case("yaml-namespace-annotation-superscript")
def _(tmp: Path) -> Case:
    ns = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  annotations:\n"
        "    openshift.io/sa.scc.uid-range: '\u00b2/\u00b3'\n---\n"
    )
    return Case(["check", manifest(tmp, ns + pod())], None)


@case("yaml-compose-user-huge")
def _(tmp: Path) -> Case:
    text = f"services:\n  web:\n    image: nginx\n    user: '{'7' * 5000}:{'8' * 5000}'\n"
    return Case(["check", manifest(tmp, text, "compose.yaml")], None)


@case("yaml-compose-port-superscript")
def _(tmp: Path) -> Case:
    ports = "['\u00b2:\u00b3', '9999999999999999999999:1']"
    text = f"services:\n  web:\n    image: nginx\n    ports: {ports}\n"
    return Case(["check", manifest(tmp, text, "compose.yaml")], None)


@case("yaml-many-documents")
def _(tmp: Path) -> Case:
    return Case(["check", manifest(tmp, "---\n" * 3_000_000)], "more than 100000 YAML documents")


@case("yaml-fifo-named-no-writer")
def _(tmp: Path) -> Case:
    os.mkfifo(tmp / "m.yaml")
    return Case(["check", str(tmp / "m.yaml")], None)


def _folder(tmp: Path, make: Callable[[Path], None]) -> Case:
    folder = tmp / "manifests"
    folder.mkdir()
    (folder / "ok.yaml").write_text(pod())
    make(folder)
    return Case(["check", str(folder)], None)


@case("folder-link-to-shadow")
def _(tmp: Path) -> Case:
    return _folder(tmp, lambda d: (d / "x.yaml").symlink_to("/etc/shadow"))


@case("folder-link-to-dir-out")
def _(tmp: Path) -> Case:
    return _folder(tmp, lambda d: (d / "etc").symlink_to("/etc"))


@case("folder-fifo")
def _(tmp: Path) -> Case:
    return _folder(tmp, lambda d: os.mkfifo(d / "f.yaml"))


@case("folder-link-to-dev-zero")
def _(tmp: Path) -> Case:
    return _folder(tmp, lambda d: (d / "z.yaml").symlink_to("/dev/zero"))


# -- command-line values -----------------------------------------------------------------


@case("cli-uid-range-huge")
def _(tmp: Path) -> Case:
    path = manifest(tmp, pod())
    return Case(["check", "--uid-range", f"{'1' * 5000}/{'2' * 5000}", path], "bad UID range")


@case("cli-uid-range-superscript")
def _(tmp: Path) -> Case:
    return Case(["check", "--uid-range", "\u00b2/\u00b3", manifest(tmp, pod())], "bad UID range")


@case("cli-uid-range-arabic-digits")
def _(tmp: Path) -> Case:
    rng = "\u0661\u0662/\u0663"
    return Case(["check", "--uid-range", rng, manifest(tmp, pod())], "bad UID range")


@case("cli-missing-file")
def _(tmp: Path) -> Case:
    return Case(["check", str(tmp / "nope.yaml")], "no such file")


@case("cli-unknown-option")
def _(tmp: Path) -> Case:
    return Case(["check", "--no-such-option"], "(?i)no such option")


@case("cli-escape-in-path")
def _(tmp: Path) -> Case:
    return Case(["check", str(tmp / "\x1b[2Jverdict-allow.yaml")], r"\\x1b\[2J")


@case("cli-image-source-malformed")
def _(tmp: Path) -> Case:
    path = manifest(tmp, pod())
    return Case(["check", "--image-scan", "--image-source", "nonsense", path], "NAME=REF")


# -- outputs -----------------------------------------------------------------------------


@case("out-into-missing-dir")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    return Case(["scan", str(ctx), "-o", str(tmp / "no" / "r.txt")], "does not exist")


@case("out-is-directory")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    (tmp / "outdir").mkdir()
    return Case(["scan", str(ctx), "-o", str(tmp / "outdir")], "directory")


@case("out-under-a-file")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    (tmp / "plain").write_text("x")
    return Case(["scan", str(ctx), "-o", str(tmp / "plain" / "r.txt")], "does not exist|directory")


@case("out-proc")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    return Case(["scan", str(ctx), "-o", "/proc/sys/kernel/hostname"], "kernel file|/proc")


@case("out-proc-new-file")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    return Case(["scan", str(ctx), "-o", "/proc/unroot-report"], "refusing|/proc")


@case("out-dev-new-file")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    return Case(["scan", str(ctx), "-o", "/dev/unroot-report"], "refusing|/dev")


@case("out-fifo-without-reader")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    os.mkfifo(tmp / "out.fifo")
    return Case(["scan", str(ctx), "-o", str(tmp / "out.fifo")], "nobody is reading")


@case("out-read-only-file")
def _(tmp: Path) -> Case:
    ctx = dockerfile(tmp, "FROM busybox\nUSER 1000\n")
    (tmp / "ro.txt").write_text("keep\n")
    (tmp / "ro.txt").chmod(0o444)
    return Case(["scan", str(ctx), "-o", str(tmp / "ro.txt")], "read-only")


@case("write-dev-stdin")
def _(tmp: Path) -> Case:
    data = pod().encode()
    return Case(["check", "--fix", "--write", "/dev/stdin"], "not a regular file", stdin=data)


@case("write-read-only")
def _(tmp: Path) -> Case:
    path = manifest(tmp, pod())
    os.chmod(path, 0o444)
    return Case(["check", "--fix", "--write", path], "read-only")


@case("write-fifo")
def _(tmp: Path) -> Case:
    os.mkfifo(tmp / "m.yaml")
    return Case(["check", "--fix", "--write", str(tmp / "m.yaml")], None)


HOST_FILES = ("/etc/passwd", "/etc/hostname")


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(tmp_path: Path, name: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    spec = CASES[name](work)
    before = tree(work)
    host = {p: os.stat(p) for p in (*HOST_FILES, "/dev/null")}
    outcome = run_unroot(spec.argv, work, stdin=spec.stdin)
    if spec.pattern is None:
        assert_bounded(outcome)
        assert outcome.code in (0, 1, 2), outcome.stderr
        assert all(line.startswith("unroot: ") for line in outcome.err_lines), outcome.stderr
    else:
        assert_refused(outcome, spec.pattern)
    shown = outcome.stdout + outcome.stderr
    assert not re.search(rb"(?<!un)root:[x*!$]", shown), "a host file was quoted"
    assert b"ROOTSECRET" not in shown and b"hunter2" not in shown
    assert b"\x1b" not in outcome.stdout + outcome.stderr
    after = tree(work)
    after.pop(".tmp", None)
    before.pop(".tmp", None)
    assert after == before
    for path, st in host.items():
        now = os.stat(path)
        assert (now.st_ino, now.st_mtime_ns, now.st_mode) == (st.st_ino, st.st_mtime_ns, st.st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


FORGED = "caf\udce9\x1b[2J\x1b[H\nverdict: ARBITRARY-UID-READY\u202e"
"""A file name from an image: a Latin-1 byte, screen-clearing escapes, a forged verdict line
and a bidi override."""


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_hostile_names_are_escaped_in_every_format(tmp_path: Path, fmt: str) -> None:
    from unroot.oci import writer as oci_writer

    layout = tmp_path / "img"
    oci_writer.write_image(
        str(layout),
        [[oci_writer.Entry("usr", type="dir"), oci_writer.Entry(f"usr/{FORGED}", mode=0o4755)]],
        oci_writer.default_config(User="1000"),
    )
    outcome = run_unroot(["scan", f"oci:{layout}", "--format", fmt], tmp_path)
    assert_bounded(outcome)
    assert outcome.code in (0, 1), outcome.stderr
    assert outcome.stdout.decode("utf-8")  # valid UTF-8 throughout
    assert b"\x1b" not in outcome.stdout and "\u202e".encode() not in outcome.stdout
    # the report's own verdict line (text only) and never the forged one
    verdict_lines = re.findall(rb"^\s*verdict: .*$", outcome.stdout, re.MULTILINE)
    assert len(verdict_lines) == (1 if fmt == "text" else 0), verdict_lines
    assert b"caf\\xe9" in outcome.stdout.replace(b"\\\\", b"\\")
    assert b"setuid" in outcome.stdout
