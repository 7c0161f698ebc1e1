"""The JSON Schemas stay in step with the code and are fit for editors: every kind, every description."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.conditions import KINDS
from engine.conditions.base import OPERATORS
from engine.rules.model import ON_CHANGE_POLICIES, WEEKDAYS
from engine.documents.schemas import SCHEMA_DIR, SCHEMA_FILES, schema
from engine.timeutil import DURATION_PATTERN


def _subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _subschemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _subschemas(value, f"{where}/{index}")


def _resolve(node: dict[str, Any], name: str) -> dict[str, Any]:
    """Follow a local or sibling-file `$ref` (descriptions may live on the referenced definition)."""
    while "$ref" in node and "description" not in node:
        target_file, _, pointer = node["$ref"].partition("#")
        document = schema(next(k for k, v in SCHEMA_FILES.items() if v == target_file)) if target_file else schema(name)
        for part in pointer.strip("/").split("/"):
            document = document[part]
        node = document
    return node


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_schema_is_valid_2020_12_with_an_id(name: str) -> None:
    document = json.loads((SCHEMA_DIR / SCHEMA_FILES[name]).read_text())
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"].endswith("/" + SCHEMA_FILES[name])


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_every_property_has_a_description(name: str) -> None:
    missing = [
        f"{where}/properties/{key}"
        for where, node in _subschemas(schema(name))
        if isinstance(node.get("properties"), dict) and "if" not in where
        and not where.endswith("/properties")  # a map of property schemas, one of them named "properties"
        for key, sub in node["properties"].items()
        if "description" not in _resolve(sub, name)
    ]
    assert missing == []


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_every_object_refuses_unknown_keys(name: str) -> None:
    """`additionalProperties: false` wherever keys are listed (free-form `vars` give a schema for values)."""
    open_objects = [
        where for where, node in _subschemas(schema(name))
        if node.get("type") == "object" and node.get("additionalProperties") is not False
        and "propertyNames" not in node
    ]
    assert open_objects == []


def test_condition_kinds_are_exactly_the_engine_kinds() -> None:
    branches = schema("rule")["$defs"]["condition"]["oneOf"]
    assert [branch["required"][0] for branch in branches] == list(KINDS)
    for branch in branches:
        assert list(branch["properties"]) == branch["required"]
        assert branch["additionalProperties"] is False


def test_comparisons_offer_the_engine_operators() -> None:
    attribute = schema("rule")["$defs"]["condition"]["oneOf"][list(KINDS).index("attribute")]
    body = attribute["properties"]["attribute"]
    assert [b["required"][0] for b in body["oneOf"]] == list(OPERATORS)
    assert set(body["properties"]) == {"name", *OPERATORS}


def test_enums_and_patterns_match_the_code() -> None:
    rule = schema("rule")
    assert rule["$defs"]["duration"]["pattern"] == DURATION_PATTERN
    assert tuple(rule["properties"]["on_change"]["enum"]) == ON_CHANGE_POLICIES
    assert tuple(rule["properties"]["send_window"]["properties"]["days"]["items"]["enum"]) == WEEKDAYS
    assert rule["properties"]["reentry"]["properties"]["policy"]["enum"] == ["never", "after"]
    assert schema("config")["properties"]["delivery"]["properties"]["backend"]["enum"] == [
        "smtp", "maildir", "console", "memory"]
