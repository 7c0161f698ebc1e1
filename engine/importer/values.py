"""Checking and typing single values from an import file; each check raises RowError with the reason."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from engine.timeutil import parse_instant, to_naive_utc
from engine.timezones import is_timezone


class RowError(Exception):
    """One value or row is unusable. `column` is the offending column, `code` the I4xx diagnostic code."""

    def __init__(self, code: str, message: str, column: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.column = column


INVALID_ROW = "I401"
MISSING_VALUE = "I403"
INVALID_TIME = "I404"
INVALID_VALUE = "I405"

# Canonical numbers only: "007" or "1e3" stay strings, so ids, zip codes and SKUs keep their spelling.
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+")
_LOCALE = re.compile(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def typed_text(value: str) -> Any:
    """A CSV cell typed the way a JSON writer would have: integers, decimals and true/false become numbers and
    booleans; everything else (dates included) stays the string it was."""
    if _INTEGER.fullmatch(value):
        return int(value)
    if _DECIMAL.fullmatch(value):
        return float(value)
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return value


def text(column: str, value: Any, *, max_length: int) -> str:
    """A single-line string (no line breaks: names and ids end up in email headers)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RowError(INVALID_VALUE, f"{column} must be text, not {json.dumps(value)}", column)
    value = str(value).strip()
    if _CONTROL.search(value):
        raise RowError(INVALID_VALUE, f"{column} contains a line break or control character", column)
    if len(value) > max_length:
        raise RowError(INVALID_VALUE, f"{column} is longer than {max_length} characters", column)
    return value


def _require(column: str, value: Any) -> None:
    """A required value: absent from a JSON Lines row is "missing", an empty CSV cell is "empty"."""
    if value is None:
        raise RowError(MISSING_VALUE, f"{column} is missing", column)
    if isinstance(value, str) and not value.strip():
        raise RowError(MISSING_VALUE, f"{column} is empty", column)


def required_text(column: str, value: Any, *, max_length: int) -> str:
    _require(column, value)
    return text(column, value, max_length=max_length)


def email(column: str, value: Any) -> str:
    address = required_text(column, value, max_length=320)
    if not _EMAIL.fullmatch(address):
        raise RowError(INVALID_VALUE, f"{column} {address!r} is not an email address", column)
    return address


def instant(column: str, value: Any) -> datetime:
    """An ISO 8601 time; an offset is applied and dropped (the store keeps naive UTC); no offset means UTC."""
    _require(column, value)
    if not isinstance(value, str):
        raise RowError(INVALID_TIME, f"{column} must be an ISO 8601 time string, not {json.dumps(value)}", column)
    try:
        return to_naive_utc(parse_instant(value))
    except ValueError as exc:
        raise RowError(INVALID_TIME, f"{column}: {exc}", column) from None


def timezone_name(column: str, value: Any) -> str:
    name = text(column, value, max_length=64)
    if not is_timezone(name):
        raise RowError(
            INVALID_VALUE, f"{column} {name!r} is not an IANA time zone name such as Europe/Paris", column
        )
    return name


def locale(column: str, value: Any) -> str:
    tag = text(column, value, max_length=35)
    if not _LOCALE.fullmatch(tag):
        raise RowError(INVALID_VALUE, f"{column} {tag!r} is not a language tag such as en or pt-BR", column)
    return tag


def boolean(column: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise RowError(INVALID_VALUE, f"{column} must be true or false, not {json.dumps(value)}", column)


def json_object(column: str, value: Any) -> dict[str, Any]:
    """A JSON object given as an object (JSON Lines) or as JSON text (a CSV cell)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise RowError(INVALID_VALUE, f"{column} is not valid JSON: {exc}", column) from None
    if not isinstance(value, dict):
        raise RowError(INVALID_VALUE, f"{column} must be a JSON object, not {json.dumps(value)}", column)
    return value


def flat_value(column: str, value: Any) -> Any:
    """An attribute or property value: a scalar or a list of scalars. Nested objects are refused so that a
    re-import merges documents key by key the same way on SQLite and PostgreSQL."""
    scalar = (str, int, float, bool)
    if isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value)):
        return value
    raise RowError(
        INVALID_VALUE, f"{column} must be text, a number, a boolean or a list of those, not an object", column
    )
