"""Turn jsonschema validation errors into Diagnostics a marketer can act on.

Every error of a document is collected (`iter_errors`), placed at the file:line:column of the offending key or
value, and worded for people: what was expected, what was found, and "did you mean ...?" for misspelt keys
and values. A `oneOf` over condition kinds (or comparison operators) is reduced to the one message that
matters, e.g. `unknown condition kind "inactiv" (did you mean "inactive"?)`, never a dump of every branch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from engine.diagnostics import Diagnostic
from engine.diagnostics.docpath import DocPath, format_path
from engine.diagnostics.suggest import did_you_mean
from engine.documents.yaml_loader import YamlDocument
from engine.documents.schemas import DURATION_FORMAT, RULE_CODES
from engine.timeutil import DURATION_PATTERN, MAX_DURATION


_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "nothing"}
_UNITS = {"m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m", "h": "h", "hr": "h", "hrs": "h",
          "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d", "w": "w", "wk": "w", "week": "w",
          "weeks": "w"}


@dataclass(frozen=True)
class _Problem:
    category: str
    path: DocPath
    message: str
    at_key: bool = False
    hint: str | None = None


def schema_diagnostics(
    document: YamlDocument,
    validator: Draft202012Validator,
    codes: dict[str, str] = RULE_CODES,
    hidden: frozenset[DocPath] = frozenset(),
) -> list[Diagnostic]:
    """All schema problems of `document`. Values at `hidden` paths (from the environment) are never echoed."""
    problems: list[_Problem] = []
    for error in validator.iter_errors(document.data):
        problems.extend(_translate(error, hidden))
    unknown_at = {p.path[:-1] for p in problems if p.category == "unknown_key"}
    seen: set[tuple[str, DocPath, str]] = set()
    diagnostics = []
    for problem in problems:
        if problem.category == "missing_operator" and problem.path in unknown_at:
            continue  # a misspelt operator is already reported as an unknown key
        category = "missing" if problem.category == "missing_operator" else problem.category
        key = (category, problem.path, problem.message)
        if key in seen:
            continue
        seen.add(key)
        diagnostics.append(
            Diagnostic(codes[category], problem.message, document.location(problem.path, key=problem.at_key),
                       format_path(problem.path), hint=problem.hint)
        )
    return diagnostics


def _translate(error: ValidationError, hidden: frozenset[DocPath]) -> Iterator[_Problem]:
    path: DocPath = tuple(error.absolute_path)
    where = format_path(path)
    instance = error.instance
    shown = "a value from the environment" if path in hidden else _describe(instance)
    kind = error.validator
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for key in sorted(set(instance) - set(allowed)):
            yield _unknown_key(path, key, allowed, "key")
    elif kind == "required":
        for key in error.validator_value:
            if key not in instance:
                yield _Problem("missing", path, f'missing required key "{key}"' + (f" in {where}" if where else ""))
    elif kind == "type":
        yield _Problem("type", path, f"wrong type at {where}: expected {_expected(error.validator_value)}, got {shown}",
                       hint=error.schema.get("description"))
    elif kind in ("enum", "const"):
        options = error.validator_value if kind == "enum" else [error.validator_value]
        yield _Problem("value", path, f"{shown} is not allowed at {where}; expected {_one_of(options)}"
                       + did_you_mean(instance, options))
    elif kind == "pattern" and "propertyNames" in error.schema_path:
        yield _Problem("value", path, f'variable name "{instance}" in {where} is not allowed; '
                       "use letters, digits and _ (starting with a letter)")
    elif kind == "pattern" and error.validator_value == DURATION_PATTERN:
        suggestion = _suggest_duration(instance)
        yield _Problem("duration", path, f"invalid duration {shown} at {where}; write a whole number and a unit: "
                       "30m, 36h, 90d or 2w" + (f' (did you mean "{suggestion}"?)' if suggestion else ""))
    elif kind == "format" and error.validator_value == DURATION_FORMAT:
        yield _Problem("duration", path, f"duration {shown} at {where} is too long; the longest allowed is "
                       f"{MAX_DURATION.days}d (100 years)")
    elif kind == "pattern":
        expected = error.schema.get("description", f"text matching {error.validator_value}")
        yield _Problem("value", path, f"{shown} is not valid at {where}; expected {_phrase(expected)}")
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                 "exclusiveMaximum": "less than"}[kind]
        value = "a value from the environment" if path in hidden else instance
        yield _Problem("range", path, f"{where} is {value}; it must be {words} {error.validator_value}")
    elif kind in ("minItems", "maxItems"):
        yield _Problem("value", path, _item_count(where, error.schema, len(instance)))
    elif kind == "minLength":
        yield _Problem("value", path, f"{where} must not be empty")
    elif kind == "maxLength":
        yield _Problem("value", path, f"{where} is too long (at most {error.validator_value} characters)")
    elif kind == "uniqueItems":
        yield _Problem("value", path, f"{where} lists the same value twice")
    elif kind == "oneOf" and _union_keys(error.validator_value):
        yield from _keyed_union(error, path, hidden)
    elif kind in ("oneOf", "anyOf"):
        description = error.schema.get("description", "a different value")
        yield _Problem("type", path, f"wrong type at {where}: expected {_phrase(description)}, got {shown}")
    else:  # a keyword this module does not word specially; still one precise line (never echoing a secret)
        detail = "the value from the environment is not valid" if path in hidden else error.message
        yield _Problem("other", path, f"{where or 'document'}: {detail}")


def _union_keys(branches: Any) -> list[str]:
    """For a oneOf whose branches each require one distinct key (condition kinds, operators): those keys."""
    if not isinstance(branches, list):
        return []
    keys: list[str] = []
    for branch in branches:
        required = branch.get("required", []) if isinstance(branch, dict) else []
        if len(required) != 1 or not required[0]:
            return []
        keys.append(required[0])
    return keys


def _keyed_union(error: ValidationError, path: DocPath, hidden: frozenset[DocPath]) -> Iterator[_Problem]:
    keys = _union_keys(error.validator_value)
    instance = error.instance
    where = format_path(path)
    is_condition = "properties" in error.validator_value[0]  # operator branches only say `required`
    noun = "condition" if is_condition else "operator"
    listing = ", ".join(keys)
    if not isinstance(instance, dict):
        if is_condition:  # for operators, the enclosing object's own `type` error already says it
            yield _Problem("type", path, f"wrong type at {where}: expected a condition (a mapping with one of "
                           f"{listing}), got {_describe(instance)}")
        return
    present = [key for key in instance if key in keys]
    if is_condition:
        unknown = [key for key in instance if key not in keys]
        for key in unknown:
            yield _unknown_key(path, key, keys, "condition kind")
        if unknown:
            return
    if not present:
        category = "missing" if is_condition else "missing_operator"
        yield _Problem(category, path, f"missing {noun} at {where}; add one of {listing}")
    elif len(present) > 1:
        advice = "; combine conditions with all: or any:" if is_condition else ""
        hint = "for a range write between: [low, high] (both included)" if {"gt", "gte"} & set(present) and {
            "lt", "lte"} & set(present) else None
        yield _Problem("other", path, f"{where} has {len(present)} {noun}s ({', '.join(present)}); "
                       f"exactly one is allowed{advice}", hint=hint)
    else:
        branch = keys.index(present[0])
        for sub in error.context or ():
            if sub.relative_schema_path and sub.relative_schema_path[0] == branch:
                yield from _translate(sub, hidden)


def _unknown_key(path: DocPath, key: str, allowed: list[str], noun: str) -> _Problem:
    where = f" in {format_path(path)}" if path else ""
    suggestion = did_you_mean(key, allowed)
    message = f'unknown {noun} "{key}"{where}' + (suggestion or f"; expected one of {', '.join(allowed)}")
    return _Problem("unknown_key", (*path, key), message, at_key=True)


def _suggest_duration(value: Any) -> str | None:
    found = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]+)\s*", value) if isinstance(value, str) else None
    unit = _UNITS.get(found[2].lower()) if found else None
    return f"{int(found[1])}{unit}" if found and unit else None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        if not shown.isprintable():  # an escape sequence or line break must not reach a terminal or CI log raw
            shown = shown.encode("unicode_escape").decode("ascii")
        return f'"{shown}"'
    return "a mapping" if isinstance(value, dict) else "a list"


def _expected(types: str | list[str]) -> str:
    names = [_TYPE_NAMES.get(t, t) for t in ([types] if isinstance(types, str) else types)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _one_of(options: list[Any]) -> str:
    shown = [str(option).lower() if isinstance(option, bool) else str(option) for option in options]
    return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


def _item_count(where: str, schema: dict[str, Any], count: int) -> str:
    low, high = schema.get("minItems"), schema.get("maxItems")
    if low is not None and low == high:
        return f"{where} needs exactly {low} values, got {count}"
    if low is not None and count < low:
        return f"{where} needs at least {low} {'item' if low == 1 else 'items'}"
    return f"{where} allows at most {high} items, got {count}"


def _phrase(text: str) -> str:
    """A schema description as part of a sentence: lower-case first letter, no final period."""
    return text[:1].lower() + text[1:].rstrip(".")
