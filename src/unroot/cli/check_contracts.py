"""The conformance runners' contracts of ``unroot check``: one request in, one answer out.

``--format verdict`` answers ``../shared/conformance/psa/check.py``
(:mod:`unroot.pipeline.psa_verdict`) and ``--format scc-verdict`` answers
``../shared/conformance/scc/check.py`` (:mod:`unroot.pipeline.scc_verdict`). The runners
start a process per request, so only the reading and writing live here and nothing heavy is
imported.
"""

from __future__ import annotations

import sys
from typing import NoReturn


def psa_verdict(inputs: tuple[str, ...], level: str, version: str) -> NoReturn:
    """The conformance contract: the verdict on stdout (errors on stderr) and its exit code."""
    from unroot.errors import InputError
    from unroot.files.read import open_named
    from unroot.pipeline.psa_verdict import EXIT_ERROR, verdict_for_stream
    from unroot.workload.load import read_bounded

    try:
        chunks = []
        for path in inputs or ("-",):
            if path == "-":
                chunks.append(read_bounded(sys.stdin.buffer, "<stdin>"))
                continue
            with open_named(path) as fh:
                chunks.append(read_bounded(fh, path))
        text, code = verdict_for_stream(b"".join(chunks), level, version)
    except InputError as exc:
        text, code = f"error: {exc}", EXIT_ERROR
    stream = sys.stderr if code == EXIT_ERROR else sys.stdout
    stream.write(text + "\n")
    stream.flush()
    sys.exit(code)


def scc_verdict(inputs: tuple[str, ...]) -> NoReturn:
    """The SCC conformance contract: one request (a file or stdin) in, one JSON answer out.

    A malformed request raises :class:`~unroot.errors.InputError` (one line, exit 2)."""
    import orjson

    from unroot.errors import InputError
    from unroot.files.read import open_named
    from unroot.pipeline.scc_verdict import answer_for_bundle
    from unroot.workload.load import read_bounded

    if len(inputs) > 1:
        raise InputError("--format scc-verdict reads one request (a file or -)")
    path = inputs[0] if inputs else "-"
    if path == "-":
        data, name = read_bounded(sys.stdin.buffer, "<stdin>"), "<stdin>"
    else:
        with open_named(path) as fh:
            data, name = read_bounded(fh, path), path
    answer, code = answer_for_bundle(data, name)
    sys.stdout.write(orjson.dumps(answer).decode() + "\n")
    sys.stdout.flush()
    sys.exit(code)
