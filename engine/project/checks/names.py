"""Every data name a condition tree uses (events, their properties, customer fields and attributes), with where
it is written and how it is compared: what the catalog checks and `validate --against-store` look up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.conditions.base import OPERATORS
from engine.diagnostics.docpath import DocPath
from engine.documents.yaml_loader import YamlDocument
from engine.project.checks.sources import condition_roots, walk_conditions


@dataclass(frozen=True)
class NameUse:
    """`name` used as an event (`kind` "event"), a property of `event` ("property") or a customer field or
    attribute ("customer"), written at `path`. `comparison` is the mapping holding the operator (None when
    the name is not compared); `needs` is a type the kind requires ("number" to aggregate, "date" for
    days_since and anniversary)."""

    kind: str
    name: str
    path: DocPath
    event: str | None = None
    comparison: dict[str, Any] | None = None
    needs: str | None = None


def _filters(body: dict[str, Any], event: str, path: DocPath) -> Iterator[NameUse]:
    for index, item in enumerate(body.get("where", ())):
        yield NameUse("property", item["name"], (*path, "where", index, "name"), event, item)


def name_uses(document: YamlDocument) -> Iterator[NameUse]:
    """The data names of every condition of a (schema-valid) campaign or segment document, in file order."""
    for root, node in condition_roots(document):
        for kind, body, path in walk_conditions(node, root):
            if kind == "event" or kind == "last_event":
                yield NameUse("event", body["name"], (*path, "name"))
                yield from _filters(body, body["name"], path)
            elif kind == "aggregate":
                yield NameUse("event", body["event"], (*path, "event"))
                yield NameUse("property", body["property"], (*path, "property"), body["event"], needs="number")
                yield from _filters(body, body["event"], path)
            elif kind == "attribute":
                yield NameUse("customer", body["name"], (*path, "name"), comparison=body)
            elif kind in ("days_since", "anniversary"):
                yield NameUse("customer", body["field"], (*path, "field"), needs="date")


def compared_values(comparison: dict[str, Any]) -> tuple[str, list[Any]]:
    """(operator, the values it compares with) of a comparison mapping; `exists` compares with nothing."""
    op = next(key for key in comparison if key in OPERATORS)
    raw = comparison[op]
    if op == "exists":
        return op, []
    return op, list(raw) if isinstance(raw, list) else [raw]
