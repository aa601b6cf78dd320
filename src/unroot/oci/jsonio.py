"""Strict JSON reading for index, manifest and config documents.

Malformed documents are input errors, not crashes: every accessor checks the type it
returns and names the document and field when it is wrong.
"""

from __future__ import annotations

from typing import Any

import orjson

from unroot.errors import InputError


def parse_object(data: bytes, what: str) -> dict[str, Any]:
    """Decode a JSON object (not an array, not a scalar)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{what} is not a JSON object")
    return doc


def parse_any(data: bytes, what: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON ({exc})") from None


def get_str(doc: dict[str, Any], key: str, what: str, *, required: bool = False) -> str:
    value = doc.get(key)
    if value is None:
        if required:
            raise InputError(f"{what} has no {key!r}")
        return ""
    if not isinstance(value, str):
        raise InputError(f"{what}: {key!r} is not a string")
    return value


def get_int(doc: dict[str, Any], key: str, what: str, *, required: bool = False) -> int | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise InputError(f"{what} has no {key!r}")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InputError(f"{what}: {key!r} is not a non-negative integer")
    return value


def get_obj(doc: dict[str, Any], key: str, what: str, *, required: bool = False) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        if required:
            raise InputError(f"{what} has no {key!r}")
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{what}: {key!r} is not an object")
    return value


def get_list(doc: dict[str, Any], key: str, what: str, *, required: bool = False) -> list[Any]:
    value = doc.get(key)
    if value is None:
        if required:
            raise InputError(f"{what} has no {key!r}")
        return []
    if not isinstance(value, list):
        raise InputError(f"{what}: {key!r} is not a list")
    return value


def get_str_list(doc: dict[str, Any], key: str, what: str) -> list[str] | None:
    """A list of strings, or None when absent (a JSON string is taken as a one-item list)."""
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{what}: {key!r} is not a list of strings")
    return value


def get_str_map(doc: dict[str, Any], key: str, what: str) -> dict[str, str]:
    value = get_obj(doc, key, what)
    if not all(isinstance(v, str) for v in value.values()):
        raise InputError(f"{what}: {key!r} has non-string values")
    return value
