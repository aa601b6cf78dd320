from __future__ import annotations

import pytest

from unroot.dockerfile.analysis import analyze
from unroot.dockerfile.stages import DEFAULT_PATH, chain, load, select_target
from unroot.errors import InputError, UnrootError


def test_global_arg_in_from_and_redeclared_in_stage() -> None:
    d = load("ARG V=3.19\nFROM alpine:${V} AS a\nARG V\nENV X=$V\nFROM a\nENV Y=${X}-y\n", "D")
    assert d.stages[0].base == "alpine:3.19"
    # an external base brings its environment; not known here, that is the default PATH
    assert d.stages[0].env == {"PATH": DEFAULT_PATH, "X": "3.19"}
    assert d.stages[1].base_stage == 0
    assert d.stages[1].env == {"PATH": DEFAULT_PATH, "X": "3.19", "Y": "3.19-y"}


def test_path_extended_from_an_unknown_base_keeps_the_default() -> None:
    d = load("FROM quay.io/a/b:1\nENV PATH=$PATH:/opt/app/bin\n", "D")
    assert d.stages[0].env["PATH"] == DEFAULT_PATH + ":/opt/app/bin"
    known = load(
        "FROM quay.io/a/b:1\nENV PATH=/x:${PATH}\n",
        "D",
        base_env={"quay.io/a/b:1": {"PATH": "/usr/bin:/bin"}},
    )
    assert known.stages[0].env["PATH"] == "/x:/usr/bin:/bin"
    assert load("FROM scratch\nENV PATH=$PATH:/app\n", "D").stages[0].env["PATH"] == ":/app"


def test_global_arg_not_visible_without_redeclaration() -> None:
    d = load("ARG V=1\nFROM alpine\nENV X=${V:-unset}\n", "D")
    assert d.stages[0].env["X"] == "unset"


def test_build_args_override_defaults() -> None:
    d = load("ARG V=1\nFROM alpine:$V\nARG U=a\nENV X=$U\n", "D", build_args={"V": "2", "U": "b"})
    assert d.stages[0].base == "alpine:2" and d.stages[0].env["X"] == "b"


def test_env_wins_over_arg() -> None:
    d = load("FROM alpine\nENV U=env\nARG U=arg\nUSER $U\n", "D")
    assert d.stages[0].scopes[-1]["U"] == "env"


def test_from_same_name_is_image() -> None:
    d = load("FROM alpine AS alpine\nRUN true\n", "D")
    assert d.stages[0].base_stage is None


def test_user_inherited_through_from_stage(tmp_path: object) -> None:
    ctx = analyze(
        "FROM debian:12 AS base\nUSER 1001:0\nFROM base\nRUN true\n", "D", ".", base_lookup=False
    )
    assert ctx.user.user.uid == 1001 and ctx.user.stage == 0
    assert [s.index for s in ctx.chain] == [0, 1]


def test_target_and_chain() -> None:
    d = load("FROM a:1 AS one\nFROM one AS two\nFROM b:1 AS three\n", "D")
    assert [s.index for s in chain(d, select_target(d, "two"))] == [0, 1]
    assert select_target(d, None).index == 2
    assert select_target(d, "0").index == 0
    with pytest.raises(UnrootError, match="no such stage"):
        select_target(d, "nope")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FROM b AS a\nFROM a AS b\n", "circular"),
        ("FROM alpine AS a\nCOPY --from=b / /\nFROM alpine AS b\nCOPY --from=a / /\n", "circular"),
        ("FROM alpine\nCOPY --from=nope /x /x\n", "undefined stage"),
        ("FROM alpine\nCOPY --from=3 /x /x\n", "no stage 3"),
        ("FROM alpine AS a\nCOPY --from=a /x /x\n", "itself"),
        ("RUN true\nFROM alpine\n", "before the first FROM"),
        ("ARG X=1\n", "no FROM"),
        ("FROM\n", "malformed FROM"),
    ],
)
def test_bad_references(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load(text, "D")


def test_copy_from_image_reference_is_fine() -> None:
    d = load(
        "FROM alpine\nCOPY --from=tianon/gosu:1.17 /gosu /gosu\nCOPY --from=nginx:1 / /\n", "D"
    )
    assert len(d.stages) == 1


def test_instruction_lines_and_forms() -> None:
    text = (
        "# syntax=docker/dockerfile:1\n"
        "FROM alpine\n"
        "RUN echo a \\\n"
        "  # a comment inside\n"
        "  b\n"
        "ONBUILD RUN chmod u+s /x\n"
        'CMD ["a", "b"]\n'
        "ENTRYPOINT run.sh\n"
    )
    d = load(text, "D")
    ins = d.stages[0].instructions
    assert [(i.cmd, i.line, i.end_line) for i in ins] == [
        ("RUN", 3, 5),
        ("ONBUILD", 6, 6),
        ("CMD", 7, 7),
        ("ENTRYPOINT", 8, 8),
    ]
    assert ins[2].json and not ins[3].json
    assert d.directives == {"syntax": "docker/dockerfile:1"}


def test_escape_directive() -> None:
    d = load("# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\nUSER app\n", "D")
    assert d.escape == "`"
    assert [i.cmd for i in d.stages[0].instructions] == ["RUN", "USER"]


def test_run_commands_keep_physical_lines() -> None:
    text = "FROM alpine\nRUN apk add x \\\n   # c\n\n   && chmod u+s /x \\\n && echo ok\n"
    ctx = analyze(text, "D", ".", base_lookup=False)
    got = [(c.argv[0], c.line) for step in ctx.runs for c in step.commands]
    assert got == [("apk", 2), ("chmod", 5), ("echo", 6)]


def test_run_exec_form_and_heredoc() -> None:
    text = (
        'FROM alpine\nRUN ["sh", "-c", "setcap cap_net_raw+ep /x"]\n'
        "RUN <<EOT bash\nset -e\nchown 1:1 /y\nEOT\nRUN python3 <<EOF\nimport os\nEOF\n"
    )
    ctx = analyze(text, "D", ".", base_lookup=False)
    got = [(c.argv[0], c.line) for step in ctx.runs for c in step.commands]
    assert ("setcap", 2) in got and ("chown", 5) in got
    assert ("python3", 7) in got and not any(a == "import" for a, _ in got)


def test_run_words_expanded_with_scope() -> None:
    ctx = analyze(
        "FROM alpine\nARG UID=1001\nRUN chown $UID:0 /d && echo $HOME\n",
        "D",
        ".",
        base_lookup=False,
    )
    argvs = [c.argv for step in ctx.runs for c in step.commands]
    assert argvs == [("chown", "1001:0", "/d"), ("echo", "$HOME")]


def test_non_posix_shell_runs_are_not_parsed() -> None:
    text = (
        'FROM mcr.microsoft.com/windows/servercore\nSHELL ["powershell", "-Command"]\n'
        "RUN Set-Content chmod u+s\n"
        'SHELL ["/bin/bash", "-c"]\nRUN chmod u+s /x\n'
    )
    ctx = analyze(text, "D", ".", base_lookup=False)
    assert [c.argv[0] for step in ctx.runs for c in step.commands] == ["chmod"]
