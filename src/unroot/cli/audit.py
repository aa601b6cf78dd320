"""``unroot audit verify|show|head``: check the hash chain, search records, print the head.

Wiring only: stores and the verifier are in :mod:`unroot.audit`.
"""

from __future__ import annotations

import sys

import click


@click.group("audit", context_settings={"help_option_names": ["-h", "--help"]})
def audit() -> None:
    """The tamper-evident audit log of the admission webhook."""


_STORE = click.argument("store", metavar="STORE")
_STORE_HELP = "STORE is sqlite:PATH (or a bare path) or jsonl:PATH."


def _open(spec: str):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from unroot.audit.store import open_store
    from unroot.errors import UsageError

    kind, sep, rest = spec.partition(":")
    path = Path(rest if sep and kind in ("sqlite", "jsonl") else spec)
    if rest == "-":
        raise UsageError(
            "a stream on stdout cannot be read back; verify the file it was shipped to"
        )
    if not path.is_file():
        raise UsageError(f"audit store {path} does not exist")
    return open_store(spec)


@audit.command("verify", epilog=_STORE_HELP + " Exit codes: 0 intact, 1 tampered, 2 usage error.")
@_STORE
@click.option(
    "--head",
    "expected",
    metavar="SEQ:HASH",
    help="A head printed earlier by `unroot audit head` and kept elsewhere.",
)
def verify(store: str, expected: str | None) -> None:
    """Check every record's hash chain; name the first bad record."""
    from unroot.audit.verify import verify as run
    from unroot.errors import UsageError

    anchor = None
    if expected:
        seq, sep, digest = expected.partition(":")
        if not sep or not seq.isdigit() or len(digest) != 64:
            raise UsageError("--head must be SEQ:HASH as printed by `unroot audit head`")
        anchor = (int(seq), digest)
    st = _open(store)
    try:
        result = run(st.entries(), st.head(), anchor)
    finally:
        st.close()
    click.echo(result.message())
    sys.exit(0 if result.ok else 1)


@audit.command("head", epilog=_STORE_HELP)
@_STORE
def head(store: str) -> None:
    """Print SEQ:HASH of the last record, to keep apart (detects rewriting the whole tail)."""
    st = _open(store)
    try:
        found = st.head()
    finally:
        st.close()
    if found is None:
        from unroot.errors import InputError

        raise InputError("the store keeps no readable head")
    click.echo(f"{found[0]}:{found[1]}")


@audit.command("show", epilog=_STORE_HELP)
@_STORE
@click.option("--namespace")
@click.option("--subject", help="A user name or a service account NAMESPACE:NAME.")
@click.option("--profile")
@click.option(
    "--kind", type=click.Choice(["admission", "denial", "policy", "exemption-expired", "namespace"])
)
@click.option("--since", metavar="TIME", help="RFC 3339, inclusive.")
@click.option("--until", metavar="TIME", help="RFC 3339, exclusive.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def show(
    store: str,
    namespace: str | None,
    subject: str | None,
    profile: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
) -> None:
    """Print the records that match every filter given."""
    import orjson

    from unroot.audit.query import Filter, parse_time, select

    flt = Filter(
        namespace,
        subject,
        profile,
        kind,
        parse_time(since) if since else None,
        parse_time(until) if until else None,
    )
    st = _open(store)
    out = sys.stdout
    try:
        for rec in select(st.entries(), flt):
            if fmt == "json":
                out.write(orjson.dumps(rec, option=orjson.OPT_SORT_KEYS).decode() + "\n")
                continue
            who = rec.get("subject") or "-"
            what = rec.get("object") or "-"
            prof = rec.get("profile") or "-"
            why = rec.get("reason") or ""
            out.write(
                f"{rec.get('seq')}\t{rec.get('time')}\t{rec.get('kind')}\t{rec.get('decision')}\t"
                f"ns={rec.get('namespace') or '-'}\t{what}\tby={who}\tprofile={prof}\t{why}\n"
            )
    finally:
        st.close()
