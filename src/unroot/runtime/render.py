"""Verify results as text, JSON and JUnit XML. Renderers only: no podman, no analysis.

They live beside the result types (``report/`` renders scan targets and must not import the
runtime); the JSON is ``{"version": 1, "results": [...], "summary": {...}}`` with one
:meth:`~unroot.runtime.result.VerifyResult.to_dict` per image (docs/verify.md).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import orjson

from unroot.runtime.identity import cap_text
from unroot.runtime.result import ERROR, FAIL, PASS, ProcessView, VerifyResult

JSON_VERSION = 1
LOG_TAIL = 20


def summary(results: Sequence[VerifyResult]) -> dict[str, int]:
    return {
        "total": len(results),
        "passed": sum(r.verdict == PASS for r in results),
        "failed": sum(r.verdict == FAIL for r in results),
        "errors": sum(r.verdict == ERROR for r in results),
    }


def to_json(results: Sequence[VerifyResult]) -> str:
    from unroot import __version__

    doc: dict[str, Any] = {
        "tool": {"name": "unroot", "version": __version__},
        "format_version": JSON_VERSION,
        "results": [r.to_dict() for r in results],
        "summary": summary(results),
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


# -- text ------------------------------------------------------------------------------------


def _ids(host: tuple[int, ...], inside: tuple[int | None, ...]) -> str:
    """``1000680000`` when both views agree, else ``0 -> 231072`` (container -> host)."""
    h, c = host[1], inside[1]
    if c == h:
        return str(h)
    return f"{'?' if c is None else c} -> {h}"


def process_table(processes: Sequence[ProcessView]) -> list[str]:
    rows = [("RUN", "PID", "CPID", "NAME", "UID c->host", "GID c->host", "CapEff", "NNP", "SEEN")]
    for p in processes:
        rows.append(
            (
                str(p.run),
                str(p.pid),
                str(p.container_pid),
                p.name[:16],
                _ids(p.host_uids, p.container_uids),
                _ids(p.host_gids, p.container_gids),
                cap_text(p.cap_eff, 2),
                "-" if p.no_new_privs is None else str(p.no_new_privs),
                f"{p.first_seen:.2f}-{p.last_seen:.2f}s x{p.samples}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]


def to_text(results: Sequence[VerifyResult], *, logs: int = LOG_TAIL) -> str:
    out: list[str] = []
    for r in results:
        out += _text_one(r, logs)
        out.append("")
    s = summary(results)
    if len(results) > 1:
        out.append(
            f"{s['total']} image(s): {s['passed']} passed, {s['failed']} failed, "
            f"{s['errors']} error(s)"
        )
    return "\n".join(out).rstrip() + "\n"


def _text_one(r: VerifyResult, log_lines: int) -> list[str]:
    out = [f"{r.image}: {r.verdict.upper()} ({r.mode}, {r.duration:.1f}s)"]
    if r.error and r.verdict == ERROR:
        out.append(f"  error: {r.error}")
        return out
    if r.command:
        out.append(f"  run:   {r.command}")
    if r.host_note:
        out.append(f"         ({r.host_note})")
    for reason in r.reasons:
        out.append(f"  why:   {reason}")
    for p in r.probes:
        mark = "ok  " if p.ok else "FAIL"
        when = f" after {p.ready_after:.2f}s" if p.ready_after is not None else ""
        out.append(f"  probe {mark} {p.spec}: {p.detail} ({p.attempts} attempt(s){when})")
        if p.derived:
            out.append(f"             derived: {p.derived}")
    if r.runs:
        rounds = sum(run.sample_rounds for run in r.runs)
        interval = r.runs[0].sample_interval * 1000
        out.append(
            f"  processes (sampled {rounds} times every {interval:g} ms from before the first "
            "instruction until removal; container view -> host view):"
        )
        out += ["    " + line for line in process_table(r.processes)]
    if r.violations:
        out.append("  identity violations:")
        out += [f"    - {v}" for v in r.violations]
    elif r.processes:
        host_uids = sorted({p.host_uids[1] for p in r.processes})
        caps = "namespaced" if r.mode == "userns" else "none"
        out.append(
            f"  proof: no process had UID 0 on the host (host UIDs {host_uids}), "
            f"capabilities: {caps}"
        )
    if r.findings:
        traced = any(run.traced for run in r.runs)
        how = "traced with strace" if traced else "from the logs"
        out.append(f"  observed at run time ({how}):")
        for f in r.findings:
            out.append(f"    {f.rule} {f.severity.value:<7} {f.category.value}: {f.message}")
            for ev in f.evidence[:2]:
                text = ev.value or ev.detail or ""
                if ev.value and ev.detail:
                    text = f"{ev.value}  [{ev.detail}]"
                out.append(f"        {text[:220]}")
            if f.fix and f.severity.value == "error":
                out.append(f"        fix: {f.fix}")
    if r.uncollected_output.strip():
        out.append("  written where podman does not collect it (traced writes):")
        extra = [ln for ln in r.uncollected_output.splitlines() if ln.strip()][-log_lines:]
        out += [f"    | {ln[:240]}" for ln in extra]
    tail = [ln for ln in r.logs.splitlines() if ln.strip()][-log_lines:]
    if tail and log_lines:
        out.append(f"  logs (last {len(tail)} lines):")
        out += [f"    | {ln[:240]}" for ln in tail]
    return out


# -- JUnit -----------------------------------------------------------------------------------


def to_junit(results: Sequence[VerifyResult]) -> str:
    """One testsuite per image; testcases: each probe, "runs" and "no root"."""
    suites = ET.Element("testsuites", name="unroot verify")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for r in results:
        suite = ET.SubElement(suites, "testsuite", name=r.image, time=f"{r.duration:.3f}")
        cases = _cases(r)
        failures = errors = 0
        for name, status, message, body in cases:
            case = ET.SubElement(suite, "testcase", classname=f"unroot.verify.{r.mode}", name=name)
            if status == FAIL:
                failures += 1
                el = ET.SubElement(case, "failure", message=message[:500], type="verify")
                el.text = body
            elif status == ERROR:
                errors += 1
                el = ET.SubElement(case, "error", message=message[:500], type="verify")
                el.text = body
        out = ET.SubElement(suite, "system-out")
        out.text = r.logs[-65536:]
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        totals["tests"] += len(cases)
        totals["failures"] += failures
        totals["errors"] += errors
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _cases(r: VerifyResult) -> list[tuple[str, str, str, str]]:
    if r.verdict == ERROR and not r.runs:
        return [("verify", ERROR, r.error or "error", r.error or "")]
    findings = "\n".join(f"{f.rule} {f.category.value}: {f.message}" for f in r.findings)
    cases: list[tuple[str, str, str, str]] = []
    for p in r.probes:
        status = PASS if p.ok else FAIL
        cases.append((f"probe {p.spec}", status, p.detail, findings))
    first = r.runs[0] if r.runs else None
    if first is not None:
        status = PASS if first.ok else FAIL
        cases.append(("starts and keeps running", status, first.failure or "", findings))
    if r.violations or not r.processes:
        body = "\n".join(r.violations) or "no process observed"
        cases.append(("no process ran as root on the host", FAIL, body.splitlines()[0], body))
    else:
        table = "\n".join(process_table(r.processes))
        cases.append(("no process ran as root on the host", PASS, "", table))
    if r.verdict == ERROR:
        cases.append(("verify", ERROR, r.error or "error", r.error or ""))
    return cases
