"""SARIF 2.1.0: one run, the rules that fired as ``tool.driver.rules``, one result per finding.

Locations: file:line evidence becomes a physical location with a region; a path inside an
image becomes a relative URI (``usr/bin/su``) plus logical locations naming the image
reference and the layer; config fields become logical locations only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

import orjson

from unroot import __version__
from unroot.findings import Descriptor, Evidence, Finding, Severity, Target
from unroot.report.catalog import describe
from unroot.report.labels import category_title

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
IMAGE_ROOT = "IMAGEROOT"
"""uriBaseId of paths inside an image (the image's root file system)."""

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_descriptor(rule_id: str, rule: Descriptor | None, example: Finding) -> dict[str, Any]:
    if rule is None:  # an id no check emits (findings from elsewhere): describe minimally
        return {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": example.message},
            "properties": {"category": example.category.value},
        }
    return {
        "id": rule.id,
        "name": "".join(w.capitalize() for w in rule.title.replace("/", " ").split()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": f"{rule.fix}\n\n{rule.docs}", "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "category": rule.category.value,
            "kind": rule.kind,
            "tags": ["security", rule.category.value],
        },
    }


def _help_markdown(rule: Descriptor) -> str:
    return (
        f"**{rule.title}** ({category_title(rule.category)})\n\n{rule.rationale}\n\n"
        f"**Fix:** {rule.fix}\n\n{rule.docs}"
    )


def _file_uri(path: str) -> str:
    """A URI reference for a host file path (relative stays relative)."""
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return "file://" + quote(posix)
    return quote(posix)


def _image_uri(path: str) -> str:
    """A path inside the image as a URI relative to the image root."""
    return quote(str(PurePosixPath(path.lstrip("/") or ".")))


def _physical(uri: str, base: str | None, line: int | None) -> dict[str, Any]:
    artifact: dict[str, Any] = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if line:
        physical["region"] = {"startLine": line}
    return physical


def _locations(target: Target, evidence: Evidence) -> dict[str, Any] | None:
    location: dict[str, Any] = {}
    logical: list[dict[str, Any]] = []
    in_image = target.kind == "image"
    if evidence.file and not in_image:
        location["physicalLocation"] = _physical(_file_uri(evidence.file), None, evidence.line)
    elif evidence.file and evidence.file.startswith("/"):  # a script inside the image
        location["physicalLocation"] = _physical(
            _image_uri(evidence.file), IMAGE_ROOT, evidence.line
        )
    elif evidence.file:  # e.g. "ENTRYPOINT/CMD": a place in the config, not a file
        logical.append({"name": evidence.file, "kind": "property"})
    elif evidence.path:
        location["physicalLocation"] = _physical(
            _image_uri(evidence.path), IMAGE_ROOT, evidence.line
        )
    if in_image and (evidence.path or evidence.layer or evidence.field or evidence.file):
        logical.append({"name": target.ref, "kind": "image"})
    if evidence.layer:
        logical.append(
            {
                "name": evidence.layer,
                "fullyQualifiedName": f"{target.ref}@{evidence.layer}",
                "kind": "layer",
            }
        )
    if evidence.field:
        logical.append({"name": evidence.field, "kind": "property"})
    if logical:
        location["logicalLocations"] = logical
    if evidence.detail:
        location["message"] = {"text": evidence.detail}
    return location or None


def _result(target: Target, finding: Finding, rule_index: int) -> dict[str, Any]:
    locations = [loc for e in finding.evidence if (loc := _locations(target, e)) is not None]
    text = finding.message if not finding.fix else f"{finding.message}. Fix: {finding.fix}"
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": text},
        "properties": {
            "category": finding.category.value,
            "severity": finding.severity.value,
            "target": target.ref,
            "targetKind": target.kind,
            "verdict": target.verdict.value,
            "evidence": [e.to_dict() for e in finding.evidence],
        },
    }
    if locations:
        result["locations"] = locations
    if finding.data:
        result["properties"]["data"] = finding.data
    return result


def sarif_dict(targets: Sequence[Target]) -> dict[str, Any]:
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for target in targets:
        for finding in target.findings:
            if finding.rule not in index:
                index[finding.rule] = len(descriptors)
                descriptors.append(_rule_descriptor(finding.rule, describe(finding.rule), finding))
            results.append(_result(target, finding, index[finding.rule]))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "unroot",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": descriptors,
            }
        },
        "originalUriBaseIds": {
            IMAGE_ROOT: {"description": {"text": "The root file system of the scanned image."}}
        },
        "results": results,
        "properties": {
            "targets": [
                {"ref": t.ref, "kind": t.kind, "verdict": t.verdict.value, "reasons": t.reasons}
                for t in targets
            ]
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(targets: Sequence[Target], stream: TextIO) -> None:
    data = orjson.dumps(sarif_dict(targets), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    stream.write(data.decode("utf-8"))
    stream.write("\n")
