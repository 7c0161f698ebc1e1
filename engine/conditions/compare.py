"""The comparison operators (eq ... between) with one meaning in SQL and in Python.

Typing: a value compares with the rule's value only when both have the same JSON type: numbers with numbers
(as double precision), strings with strings (ordered by code point, which is UTF-8 byte order, so PostgreSQL
compares under COLLATE "C"), booleans with booleans (equality only). Dates written in rules compare as ISO
text with JSON attributes ("1990-05-17") and as instants with built-in time fields (created_at).

Absence: a missing key, a JSON null and a NULL column are all "absent". Absent values and values of another
type never match `eq`, `in`, `lt`, `lte`, `gt`, `gte`, `between` or `contains`. `ne` and `not_in` are the exact
negations of `eq` and `in`, so they DO match absent values (`plan ne free` includes customers with no plan),
and `not: {attribute: {name: plan, eq: free}}` means the same thing. `exists: true` matches present values of
any type, `exists: false` matches absent ones.

`contains` is a substring test on strings and an element test on JSON arrays (`tags contains vip`).

An Operand is where a value comes from: a JSON key (customer attributes, event properties) or a built-in
column. It knows how to project the value as one type in SQL (NULL when the value has another type).
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Comparison
from engine.timeutil import as_utc, parse_instant, to_naive_utc

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

#: bool for two Python values, a ColumnElement[bool] for a column and a bound parameter.
ORDERING: dict[str, Callable[[Any, Any], Any]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
ORDERABLE = ("number", "string", "datetime")


def kind_of(value: Any) -> str | None:
    """The comparison type of a stored value: boolean, number, string, datetime, array, object or None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "datetime"
    return "array" if isinstance(value, list) else "object"


class Operand:
    """A value of a customer (or event) that conditions compare: how SQL reaches it, typed."""

    def normalize(self, value: Any) -> tuple[str | None, Any]:
        """The rule's value as (type, value) in the form this operand compares with."""
        if isinstance(value, date):  # datetimes too: JSON holds times as ISO text
            return "string", value.isoformat()
        kind = kind_of(value)
        return kind, float(value) if kind == "number" else value

    def present(self) -> ColumnElement[bool]:
        """True when the value is present and not null (never NULL itself)."""
        raise NotImplementedError

    def project(self, kind: str) -> ColumnElement[Any] | None:
        """The value as SQL of `kind` where it has that type, NULL elsewhere; None if it can never have it."""
        raise NotImplementedError

    def param(self, kind: str, value: Any) -> ColumnElement[Any]:
        """A bound parameter to compare with `project(kind)`."""
        from sqlalchemy import Float, String, literal

        if kind == "boolean":  # JSON booleans are projected as the text 'true' / 'false'
            return literal("true" if value else "false", String())
        return literal(value, Float() if kind == "number" else String())

    def equals_any(self, kind: str, params: list[ColumnElement[Any]]) -> ColumnElement[bool] | None:
        """SQL: the value has `kind` and equals one of `params` (None: it can never have that kind)."""
        projected = self.project(kind)
        if projected is None:
            return None
        return projected == params[0] if len(params) == 1 else projected.in_(params)

    def contains(self, value: Any) -> ColumnElement[bool]:
        from sqlalchemy import Boolean, false, func

        from engine.conditions.sql import Portable

        kind, value = self.normalize(value)
        text = self.project("string")
        if kind != "string" or text is None:
            return false()
        return Portable(Boolean(), sqlite=func.instr(text, value) > 0, postgresql=func.strpos(text, value) > 0)


class JsonKey(Operand):
    """A top-level key of a JSON column (`customers.attributes`, `events.properties`)."""

    def __init__(self, column: ColumnElement[Any], key: str) -> None:
        from sqlalchemy import func

        if '"' in key:  # SQLite's JSON paths cannot quote a double quote
            raise ValueError(f"attribute and property names cannot contain a double quote: {key!r}")
        self.column = column
        self.key = key
        self.path = f'$."{key}"'
        self.sqlite_type = func.json_type(column, self.path)
        self.sqlite_value = func.json_extract(column, self.path)

    # The PostgreSQL spellings are built only when a PostgreSQL statement is compiled (each `postgresql=` below
    # is a function, which Portable calls then): JSONB imports SQLAlchemy's whole PostgreSQL dialect, about
    # 45 ms that every audience on SQLite would pay (engine/store/tables.py).
    @functools.cached_property
    def pg_node(self) -> Any:
        from sqlalchemy import type_coerce

        return type_coerce(self.column, _jsonb())[self.key]

    @functools.cached_property
    def pg_type(self) -> ColumnElement[Any]:
        from sqlalchemy import func

        return func.jsonb_typeof(self.pg_node)

    def text(self) -> ColumnElement[Any]:
        """The value as SQL text without a type check (strings as themselves): only for cheap pre-filters."""
        from sqlalchemy import String

        from engine.conditions.sql import Portable

        return Portable(String(), sqlite=self.sqlite_value, postgresql=lambda: self.pg_node.astext)

    def present(self) -> ColumnElement[bool]:
        from sqlalchemy import Boolean, func

        from engine.conditions.sql import Portable

        return Portable(
            Boolean(),
            sqlite=func.coalesce(self.sqlite_type, "null") != "null",
            postgresql=lambda: func.coalesce(self.pg_type, "null") != "null",
        )

    def project(self, kind: str) -> ColumnElement[Any] | None:
        from sqlalchemy import Float, String, case, cast

        from engine.conditions.sql import Portable

        if kind == "string":
            sqlite = case((self.sqlite_type == "text", self.sqlite_value))
            return Portable(String(), sqlite=sqlite,
                            postgresql=lambda: case((self.pg_type == "string", self.pg_node.astext)))
        if kind == "number":
            sqlite = case((self.sqlite_type.in_(["integer", "real"]), self.sqlite_value))
            return Portable(Float(), sqlite=sqlite,
                            postgresql=lambda: case((self.pg_type == "number", cast(self.pg_node.astext, Float()))))
        if kind == "boolean":  # the JSON literal 'true' / 'false' as text on both dialects
            sqlite = case((self.sqlite_type.in_(["true", "false"]), self.sqlite_type))
            return Portable(String(), sqlite=sqlite,
                            postgresql=lambda: case((self.pg_type == "boolean", self.pg_node.astext)))
        return None

    def equals_any(self, kind: str, params: list[ColumnElement[Any]]) -> ColumnElement[bool] | None:
        from sqlalchemy import Boolean, and_, type_coerce

        from engine.conditions.sql import Portable

        if kind != "string":
            return super().equals_any(kind, params)
        # The hot path of audiences (`plan in [pro, team]`): compare the extracted value first and check that it
        # was a JSON string only for the rows that pass (SQLite stops at the first false AND term), instead of
        # typing every row. Only a string equals a string parameter, except an array or object's JSON text
        # (json_extract gives arrays and objects as their JSON, which starts with `[` or `{`; numbers, booleans
        # and null come out as SQL numbers or NULL, never equal to text): so the check is needed only when a
        # listed string starts like one, and without it SQLite parses each passing row's JSON once, not twice.
        # On PostgreSQL the value is compared as jsonb with jsonb strings, which is the type check and the
        # comparison in one term: the planner estimates one term without statistics at 0.5% per value, but two
        # (`jsonb_typeof(...) = 'string' AND ... ->> ... IN (...)`) at a few rows, and on that estimate chose a
        # nested loop that re-scanned an event-count aggregate per customer (upsell-heavy-users at 100,000
        # customers: 13 s, now 0.35 s; docs/conditions.md). The strings are bound as jsonb parameters, which the
        # planner folds into constants: `to_jsonb(:value)` is a STABLE function, evaluated again for every row
        # (the filter over 1M customers took 2.0-3.0 s with it, 1.1-1.2 s with jsonb parameters).
        return Portable(
            Boolean(),
            sqlite=and_(self.sqlite_value.in_(params), self.sqlite_type == "text")
            if any(_may_be_json_text(param) for param in params) else self.sqlite_value.in_(params),
            postgresql=lambda: self.pg_node.in_([type_coerce(param, _jsonb()) for param in params]),
        )

    def contains(self, value: Any) -> ColumnElement[bool]:
        from sqlalchemy import Boolean, String, and_, cast, exists, false, func, literal, literal_column, or_, select

        from engine.conditions.sql import Portable

        kind, value = self.normalize(value)
        if kind not in ("string", "number", "boolean"):
            return false()
        element = func.json_each(self.column, self.path).table_valued("type", "value").alias("element")
        element_types = {"string": ["text"], "number": ["integer", "real"], "boolean": ["true", "false"]}[kind]
        element_value = element.c.type if kind == "boolean" else element.c.value
        in_array = exists(
            select(literal_column("1"))
            .select_from(element)
            .where(element.c.type.in_(element_types), element_value == self.param(kind, value))
        )
        sqlite_array = and_(self.sqlite_type == "array", in_array)
        array = Portable(Boolean(), sqlite=sqlite_array, postgresql=lambda: and_(
            self.pg_type == "array",
            self.pg_node.contains(cast(literal(json.dumps([value]), String()), _jsonb())),
        ))
        return or_(super().contains(value), array) if kind == "string" else array


def _may_be_json_text(param: ColumnElement[Any]) -> bool:
    """Whether a bound string could equal the JSON text json_extract gives for an array or object."""
    value = getattr(param, "value", None)
    return not isinstance(value, str) or value.lstrip()[:1] in ("[", "{")


def _jsonb() -> Any:
    """PostgreSQL's JSONB type, imported when a PostgreSQL spelling is built (JsonKey)."""
    from sqlalchemy.dialects.postgresql import JSONB

    return JSONB()


class Column(Operand):
    """A column (or scalar subquery) of one type: string, datetime, boolean, or number (event counts)."""

    def __init__(self, column: ColumnElement[Any], kind: str) -> None:
        self.column = column
        self.kind = kind

    def normalize(self, value: Any) -> tuple[str | None, Any]:
        if self.kind == "datetime" and isinstance(value, (str, date)):
            try:
                instant = parse_instant(value) if isinstance(value, str) else as_utc(value)
            except ValueError:
                return "string", value
            return "datetime", to_naive_utc(instant)
        return super().normalize(value)

    def present(self) -> ColumnElement[bool]:
        return self.column.is_not(None)

    def project(self, kind: str) -> ColumnElement[Any] | None:
        return self.column if kind == self.kind else None

    def param(self, kind: str, value: Any) -> ColumnElement[Any]:
        from sqlalchemy import Boolean, literal

        if kind == "boolean":
            return literal(bool(value), Boolean())
        if kind == "datetime":
            return literal(value, self.column.type)
        return super().param(kind, value)


def compare_sql(operand: Operand, comparison: Comparison) -> ColumnElement[bool]:
    """The comparison as SQL: true, false or NULL (= does not match), never true for absent values except
    under `ne`, `not_in` and `exists: false`."""
    from sqlalchemy import and_, false

    from engine.conditions.sql import negate

    op, raw = comparison.op, comparison.value
    if op == "exists":
        return operand.present() if raw else negate(operand.present())
    if op in ("ne", "not_in"):
        return negate(compare_sql(operand, Comparison("eq" if op == "ne" else "in", raw)))
    if op in ("eq", "in"):
        return _equals_any(operand, [raw] if op == "eq" else list(raw))
    if op in ORDERING:
        kind, value = operand.normalize(raw)
        projected = _orderable(operand, kind)
        if projected is None or kind is None:  # no orderable kind, no column to order
            return false()
        return ORDERING[op](projected, operand.param(kind, value))
    if op == "between":
        (low_kind, low), (high_kind, high) = (operand.normalize(bound) for bound in raw)
        projected = _orderable(operand, low_kind) if low_kind == high_kind else None
        if projected is None or low_kind is None or high_kind is None:
            return false()
        return and_(projected >= operand.param(low_kind, low), projected <= operand.param(high_kind, high))
    if op == "contains":
        return operand.contains(raw)
    raise ValueError(f"unknown operator {op!r}")


def _equals_any(operand: Operand, values: list[Any]) -> ColumnElement[bool]:
    from sqlalchemy import false, or_

    by_kind: dict[str, list[Any]] = {}
    for raw in values:
        kind, value = operand.normalize(raw)
        if kind in ("number", "string", "boolean", "datetime"):
            by_kind.setdefault(kind, []).append(value)
    terms = []
    for kind, group in by_kind.items():
        term = operand.equals_any(kind, [operand.param(kind, value) for value in group])
        if term is not None:
            terms.append(term)
    return or_(*terms) if terms else false()


def _orderable(operand: Operand, kind: str | None) -> ColumnElement[Any] | None:
    from engine.conditions.sql import byte_order

    projected = operand.project(kind) if kind in ORDERABLE else None
    return byte_order(projected) if projected is not None and kind == "string" else projected


def compare_value(actual: Any, comparison: Comparison, operand: Operand) -> bool:
    """The same comparison in Python, for one stored value (None when absent)."""
    op, raw = comparison.op, comparison.value
    if op == "exists":
        return (actual is not None) is bool(raw)
    if op in ("ne", "not_in"):
        return not compare_value(actual, Comparison("eq" if op == "ne" else "in", raw), operand)
    actual_kind = kind_of(actual)
    if op in ("eq", "in"):
        candidates = [operand.normalize(value) for value in ([raw] if op == "eq" else raw)]
        return any(kind == actual_kind and _same(actual, value) for kind, value in candidates)
    if op in ORDERING:
        kind, value = operand.normalize(raw)
        return kind == actual_kind and kind in ORDERABLE and ORDERING[op](actual, value)
    if op == "between":
        (low_kind, low), (high_kind, high) = (operand.normalize(bound) for bound in raw)
        return low_kind == high_kind == actual_kind and actual_kind in ORDERABLE and low <= actual <= high
    if op == "contains":
        kind, value = operand.normalize(raw)
        if actual_kind == "string":
            return kind == "string" and value in actual
        if actual_kind == "array" and isinstance(operand, JsonKey):
            return any(kind_of(item) == kind and _same(item, value) for item in actual)
        return False
    raise ValueError(f"unknown operator {op!r}")


def _same(actual: Any, value: Any) -> bool:
    return float(actual) == value if isinstance(value, float) else actual == value


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""The start of a date attribute ("1990-05-17", "2026-01-03T10:00:00Z"): only its date part is used."""


def iso_date_prefix(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL: the first 10 characters of a string that starts like an ISO date, else NULL."""
    from sqlalchemy import Boolean, case, func

    from engine.conditions.sql import Portable

    prefix = func.substr(text, 1, 10)
    looks_like_date = Portable(
        Boolean(),
        sqlite=text.op("GLOB")("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"),
        postgresql=text.op("~")("^[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    )
    return case((looks_like_date, prefix))
