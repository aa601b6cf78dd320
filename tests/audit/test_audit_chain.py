"""Tamper detection: every kind of edit to a stored chain is caught at the first bad record."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from unroot.audit.record import AuditRecord
from unroot.audit.store import JSONLinesStore, SQLiteStore, open_store
from unroot.audit.verify import verify

UNROOT = [sys.executable, "-m", "unroot"]


def record(i: int) -> AuditRecord:
    return AuditRecord(
        kind="denial" if i % 2 else "admission",
        time=f"2026-01-0{1 + i % 9}T10:00:00.000000Z",
        request_uid=f"uid-{i}",
        namespace="ns-a" if i % 3 else "ns-b",
        subject="alice" if i % 2 else "system:serviceaccount:kube-system:replicaset-controller",
        profile="anyuid" if i % 2 == 0 else "",
        decision="deny" if i % 2 else "allow",
        reason=f"reason {i}",
    )


def filled_sqlite(path: Path, n: int = 10) -> None:
    store = SQLiteStore(path)
    store.append([record(i) for i in range(4)])
    store.append([record(i) for i in range(4, n)])
    store.close()


def filled_jsonl(path: Path, n: int = 10) -> None:
    store = JSONLinesStore(path)
    store.append([record(i) for i in range(3)])
    store.append([record(i) for i in range(3, n)])
    store.close()


def run_verify(spec: str) -> tuple[int, str]:
    out = subprocess.run([*UNROOT, "audit", "verify", spec], capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, out.stdout.strip()


def test_intact_chains_verify(tmp_path: Path) -> None:
    filled_sqlite(tmp_path / "a.db")
    filled_jsonl(tmp_path / "a.jsonl")
    for spec in (
        f"sqlite:{tmp_path / 'a.db'}",
        str(tmp_path / "a.db"),
        f"jsonl:{tmp_path / 'a.jsonl'}",
    ):
        code, text = run_verify(spec)
        assert code == 0 and text.startswith("ok: 10 record(s), head seq 10"), text


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for st in statements:
            conn.execute(st)
    conn.close()


def _edit_sql(path: Path) -> None:
    conn = sqlite3.connect(path)
    text = conn.execute("SELECT record FROM audit WHERE seq = 4").fetchone()[0]
    rec = json.loads(text)
    rec["profile"] = "restricted-v2"
    with conn:
        conn.execute("UPDATE audit SET record = ? WHERE seq = 4", (json.dumps(rec),))
    conn.close()


def _swap_sql(path: Path) -> None:
    conn = sqlite3.connect(path)
    a = conn.execute("SELECT record FROM audit WHERE seq = 5").fetchone()[0]
    b = conn.execute("SELECT record FROM audit WHERE seq = 6").fetchone()[0]
    ra, rb = json.loads(a), json.loads(b)
    ra["seq"], rb["seq"] = 6, 5  # renumbered so each row's seq matches its place
    with conn:
        conn.execute("UPDATE audit SET record = ? WHERE seq = 5", (json.dumps(rb),))
        conn.execute("UPDATE audit SET record = ? WHERE seq = 6", (json.dumps(ra),))
    conn.close()


def _insert_sql(path: Path) -> None:
    """Insert a forged record as seq 4, renumbering the rest (a careful forger)."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT seq, record FROM audit WHERE seq >= 4 ORDER BY seq").fetchall()
    prev = json.loads(conn.execute("SELECT record FROM audit WHERE seq = 3").fetchone()[0])
    forged = record(99)
    forged.seq, forged.prev = 4, prev["hash"]
    from unroot.audit.record import chain_hash

    forged.hash = chain_hash(forged.body())
    with conn:
        conn.execute("DELETE FROM audit WHERE seq >= 4")
        conn.execute("INSERT INTO audit VALUES (4, ?)", (forged.to_json().decode(),))
        for seq, text in rows:
            rec = json.loads(text)
            rec["seq"] = seq + 1
            conn.execute("INSERT INTO audit VALUES (?, ?)", (seq + 1, json.dumps(rec)))
        conn.execute("UPDATE audit_head SET seq = seq + 1")
    conn.close()


SQL_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "edit": (_edit_sql, "seq 4: content does not match its hash"),
    "delete": (lambda p: _sql(p, "DELETE FROM audit WHERE seq = 3"), "seq 4: seq 4 follows seq 2"),
    "reorder": (_swap_sql, "seq 5: prev hash does not match"),
    "truncate": (lambda p: _sql(p, "DELETE FROM audit WHERE seq > 7"), "seq 8: missing"),
    "insert": (_insert_sql, "seq 5: prev hash does not match"),
    "delete-first": (
        lambda p: _sql(p, "DELETE FROM audit WHERE seq = 1"),
        "seq 2: seq 2 follows seq 0",
    ),
    "garbage": (
        lambda p: _sql(p, "UPDATE audit SET record = 'x' WHERE seq = 9"),
        "seq 9: not a valid record",
    ),
}


@pytest.mark.parametrize("case", sorted(SQL_CASES))
def test_sqlite_tampering_is_named(tmp_path: Path, case: str) -> None:
    path = tmp_path / "audit.db"
    filled_sqlite(path)
    tamper, expected = SQL_CASES[case]
    tamper(path)
    code, text = run_verify(str(path))
    assert code == 1, text
    assert text.startswith(f"first bad record: {expected}"), text


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def _rewrite(path: Path, lines: list[str]) -> None:
    path.write_text("".join(lines))


def _edit_line(path: Path) -> None:
    lines = _lines(path)
    rec = json.loads(lines[3])
    rec["subject"] = "someone-else"
    lines[3] = json.dumps(rec) + "\n"
    _rewrite(path, lines)


def _insert_line(path: Path) -> None:
    lines = _lines(path)
    lines.insert(5, lines[4])
    _rewrite(path, lines)


JSONL_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "edit": (_edit_line, "line 4 (seq 4): content does not match its hash"),
    "delete": (
        lambda p: _rewrite(p, [x for i, x in enumerate(_lines(p)) if i != 2]),
        "line 3 (seq 4): seq 4 follows seq 2",
    ),
    "reorder": (
        lambda p: _rewrite(p, [*_lines(p)[:5], _lines(p)[6], _lines(p)[5], *_lines(p)[7:]]),
        "line 6 (seq 7): seq 7 follows seq 5",
    ),
    "truncate": (lambda p: _rewrite(p, _lines(p)[:6]), "seq 7: missing"),
    "insert": (_insert_line, "line 6 (seq 5): seq 5 follows seq 5"),
    "torn": (lambda p: p.write_text(p.read_text()[:-10]), "line 10: torn last line"),
}


@pytest.mark.parametrize("case", sorted(JSONL_CASES))
def test_jsonl_tampering_is_named(tmp_path: Path, case: str) -> None:
    path = tmp_path / "audit.jsonl"
    filled_jsonl(path)
    tamper, expected = JSONL_CASES[case]
    tamper(path)
    code, text = run_verify(f"jsonl:{path}")
    assert code == 1, text
    assert text.startswith(f"first bad record: {expected}"), text


def test_rewriting_the_whole_tail_is_caught_by_a_head_kept_apart(tmp_path: Path) -> None:
    """A forger who rewrites records *and* the stored head is caught by an external anchor."""
    path = tmp_path / "audit.db"
    filled_sqlite(path, 6)
    head = subprocess.run(
        [*UNROOT, "audit", "head", str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()
    _sql(
        path,
        "DELETE FROM audit WHERE seq > 4",
        "UPDATE audit_head SET seq = 4, hash = "
        "(SELECT json_extract(record, '$.hash') FROM audit WHERE seq = 4)",
    )
    assert run_verify(str(path))[0] == 0  # self-consistent after the forgery
    out = subprocess.run(
        [*UNROOT, "audit", "verify", str(path), "--head", head], capture_output=True, text=True
    )
    assert out.returncode == 1 and "seq 5: missing" in out.stdout, out.stdout
    # The chain may grow after the head was taken; it must still contain it.
    store = SQLiteStore(tmp_path / "b.db")
    store.append([record(i) for i in range(3)])
    anchor = store.head()
    store.append([record(i) for i in range(3, 8)])
    assert anchor is not None
    assert verify(store.entries(), store.head(), anchor).ok
    store.close()


def test_jsonl_recovers_lines_written_before_a_crash_and_cuts_a_torn_one(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    filled_jsonl(path, 4)
    head = path.with_name("audit.jsonl.head").read_bytes()
    store = JSONLinesStore(path)
    store.append([record(4)])
    store.close()
    # Crash after the line was fsynced, before the head was replaced; then a torn write.
    path.with_name("audit.jsonl.head").write_bytes(head)
    with open(path, "a") as fh:
        fh.write('{"kind": "denial", "seq": 6, "pr')
    store = JSONLinesStore(path)
    store.append([record(5)])
    result = verify(store.entries(), store.head())
    store.close()
    assert result.ok and result.last_seq == 6, result.message()


def test_show_filters(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    filled_sqlite(path)

    def show(*args: str) -> list[dict[str, object]]:
        out = subprocess.run(
            [*UNROOT, "audit", "show", str(path), "--format", "json", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [json.loads(line) for line in out.splitlines()]

    assert len(show()) == 10
    assert {r["namespace"] for r in show("--namespace", "ns-b")} == {"ns-b"}
    assert {r["subject"] for r in show("--subject", "alice")} == {"alice"}
    assert all(r["profile"] == "anyuid" for r in show("--profile", "anyuid"))
    window = show("--since", "2026-01-03T00:00:00Z", "--until", "2026-01-05T00:00:00Z")
    assert sorted(r["time"][:10] for r in window) == ["2026-01-03", "2026-01-04"]
    bad = subprocess.run(
        [*UNROOT, "audit", "show", str(path), "--since", "yesterday"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_stores_refuse_bad_specs(tmp_path: Path) -> None:
    from unroot.errors import UsageError

    with pytest.raises(UsageError):
        open_store("ftp:/x")
    out = subprocess.run(
        [*UNROOT, "audit", "verify", str(tmp_path / "missing.db")], capture_output=True, text=True
    )
    assert out.returncode == 2 and "does not exist" in out.stderr
