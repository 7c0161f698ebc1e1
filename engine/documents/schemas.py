"""The JSON Schemas in `schemas/` (rule, segment, config, catalog) and validators for them, loaded once."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.timeutil import duration_in_range

if TYPE_CHECKING:  # imported where a validator is built: a document remembered as valid needs neither
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry

def _schema_dir() -> Path:
    """The repository's `schemas/` (checkouts, editable installs), else the copy a wheel installs under
    `<prefix>/share/rekindle/schemas` (pyproject `data-files`)."""
    source = Path(__file__).resolve().parents[2] / "schemas"
    return source if source.is_dir() else Path(sys.prefix) / "share" / "rekindle" / "schemas"


SCHEMA_DIR = _schema_dir()
"""The schemas live next to the rules they describe, so editors (yaml-language-server) use the same files."""

SCHEMA_FILES = {"rule": "rule.v1.json", "segment": "segment.v1.json", "config": "config.v1.json",
                "catalog": "catalog.v1.json"}


@cache
def schema(name: str) -> dict[str, Any]:
    """The schema document `name` (rule, segment or config)."""
    return json.loads((SCHEMA_DIR / SCHEMA_FILES[name]).read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    from referencing import Registry, Resource

    resources = [(schema(name)["$id"], Resource.from_contents(schema(name))) for name in SCHEMA_FILES]
    return Registry().with_resources(resources)


DURATION_FORMAT = "rekindle-duration"
"""The schemas' own format for durations: the pattern says how one is written, this bounds how long it may be
(a value `validate` accepts must be computable by every command; engine.timeutil.MAX_DURATION)."""


def _format_checker() -> FormatChecker:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks(DURATION_FORMAT)(duration_in_range)
    return checker


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for `name` that resolves `$ref`s between the three schemas and asserts their formats."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name), registry=_registry(), format_checker=_format_checker())


RULE_CODES = {"unknown_key": "R102", "type": "R103", "value": "R104", "missing": "R105", "duration": "R108",
              "range": "R205", "other": "R110"}
"""Categories of schema problems and their codes in rule and segment files (config files use C102 for all)."""
