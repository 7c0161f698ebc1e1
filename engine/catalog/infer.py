"""`infer_catalog`: what a store holds, read with SQL aggregates, and `merge` into an existing catalog.

Four grouped queries, however large the store: events per name; each event property per (name, key, JSON
type) with its count, least and greatest value; each customer attribute per (key, JSON type) likewise; and,
for text, how many values look like an ISO date (then the type is `date`). JSON documents are expanded in
SQL (`json_each` on SQLite, `jsonb_each` on PostgreSQL); no row is read into Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Float, String, case, cast, func, literal_column, select, true
from sqlalchemy.sql import ColumnElement

from engine.catalog.model import Catalog, EventSpec, FieldSpec
from engine.conditions.compare import iso_date_prefix
from engine.conditions.sql import byte_order, customers, events

_SQLITE_TYPES = {"text": "string", "integer": "number", "real": "number", "true": "boolean", "false": "boolean",
                 "array": "array", "object": "object"}
_PG_TYPES = {"string": "string", "number": "number", "boolean": "boolean", "array": "array", "object": "object"}


def _entries(connection: Connection, column: ColumnElement[Any]):
    """The rows of a JSON object column as (key, type, number value, text value), per dialect."""
    if connection.dialect.name == "postgresql":
        each = func.jsonb_each(column).table_valued("key", "value").lateral("entry")
        json_type = func.jsonb_typeof(each.c.value)
        text = each.c.value.op("#>>", return_type=String())(literal_column("'{}'::text[]"))  # the JSON text
        number = case((json_type == "number", cast(text, Float())))
        return each, json_type, number, case((json_type == "string", text)), _PG_TYPES
    each = func.json_each(column).table_valued("key", "value", "type").alias("entry")  # SQLite: implicitly lateral
    number = case((each.c.type.in_(["integer", "real"]), each.c.value))
    return each, each.c.type, number, case((each.c.type == "text", each.c.value)), _SQLITE_TYPES


def _number(value: Any) -> Any:
    """Numbers as the catalog writes them: 99.0 as 99, so both databases give the same file."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _field_rows(connection: Connection, table, column, group: ColumnElement[Any] | None) -> dict:
    """{(group value, key): FieldSpec} for every key of `column`, one grouped query."""
    each, json_type, number, text, names = _entries(connection, column)
    ordered = byte_order(text)
    group_by = [each.c.key, json_type] if group is None else [group, each.c.key, json_type]
    query = (
        select(*group_by, func.count(), func.min(number), func.max(number), func.min(ordered), func.max(ordered),
               func.count(iso_date_prefix(text)))
        .select_from(table).join(each, true()).group_by(*group_by)
    )
    found: dict[tuple[Any, str], dict[str, Any]] = {}
    for row in connection.execute(query):
        *where, key, raw_type, count, low, high, low_text, high_text, dates = row
        kind = names.get(raw_type)
        if kind is None:  # JSON null: "not given"
            continue
        if kind == "string" and dates == count:
            kind = "date"
        entry = found.setdefault((where[0] if where else None, key), {"types": {}, "ranges": {}})
        entry["types"][kind] = entry["types"].get(kind, 0) + count  # SQLite types integer and real apart
        if kind in ("number", "string", "date"):
            bounds = (low, high) if kind == "number" else (low_text, high_text)
            known = entry["ranges"].get(kind)
            entry["ranges"][kind] = bounds if known is None else (min(known[0], bounds[0]), max(known[1], bounds[1]))
    return {key: _spec(entry) for key, entry in found.items()}


def _spec(entry: dict[str, Any]) -> FieldSpec:
    """Examples are the least and greatest values of the first orderable type (number, then text)."""
    types = tuple(sorted(entry["types"]))
    ranges = entry["ranges"]
    bounds = next((ranges[kind] for kind in ("number", "date", "string") if kind in ranges), ())
    examples = tuple(dict.fromkeys(_number(value) for value in bounds))
    return FieldSpec(types=types, seen=sum(entry["types"].values()), examples=examples)


def infer_catalog(connection: Connection) -> Catalog:
    """Everything the store has seen: event names with their counts and properties, customer attributes."""
    counts: dict[str, int] = dict(connection.execute(select(events.c.name, func.count()).group_by(events.c.name)).all())
    properties: dict[str, dict[str, FieldSpec]] = {name: {} for name in counts}
    for (name, key), spec in _field_rows(connection, events, events.c.properties, events.c.name).items():
        properties.setdefault(name, {})[key] = spec
    attributes = {key: spec for (_, key), spec in _field_rows(connection, customers, customers.c.attributes, None).items()}
    return Catalog(
        events={name: EventSpec(seen=counts[name], properties=_sorted(properties[name])) for name in sorted(counts)},
        attributes=_sorted(attributes),
    )


def _sorted(fields: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
    return {key: fields[key] for key in sorted(fields)}


def _merge_field(declared: FieldSpec | None, seen: FieldSpec | None, notes: list[str], where: str) -> FieldSpec:
    if declared is None:
        assert seen is not None
        return seen
    if seen is None:
        return replace(declared, seen=0, examples=())
    if set(seen.types) != set(declared.types):
        notes.append(f"{where}: declared {declared.shown_type()}, the store holds {seen.shown_type()} (kept as declared)")
    return replace(declared, seen=seen.seen, examples=seen.examples)


def merge(declared: Catalog, seen: Catalog) -> tuple[Catalog, list[str]]:
    """`declared` refreshed with what the store holds: new names added, counts and examples updated; declared
    types and descriptions kept (a type that disagrees with the data is noted, never silently rewritten);
    names the store has not seen stay, with `seen: 0`."""
    notes: list[str] = []
    events: dict[str, EventSpec] = {}
    for name in _union(declared.events, seen.events):
        mine, theirs = declared.events.get(name), seen.events.get(name)
        if theirs is None:
            notes.append(f"event {name}: declared but never seen in the store")
        keys = _union(mine.properties if mine else {}, theirs.properties if theirs else {})
        properties = {key: _merge_field(mine.properties.get(key) if mine else None,
                                        theirs.properties.get(key) if theirs else None, notes,
                                        f"event {name} property {key}") for key in keys}
        events[name] = EventSpec(description=mine.description if mine else "", seen=theirs.seen if theirs else 0,
                                 properties=properties)
    attributes = {key: _merge_field(declared.attributes.get(key), seen.attributes.get(key), notes, f"attribute {key}")
                  for key in _union(declared.attributes, seen.attributes)}
    return Catalog(events=events, attributes=attributes, source=declared.source), notes


def _union(first: Iterable[str], second: Iterable[str]) -> list[str]:
    """Names in `first`'s order, then the new ones of `second` in theirs."""
    return list(dict.fromkeys([*first, *second]))
