"""The catalog as data: events with their properties, customer attributes, each with its declared type(s)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.conditions.attribute import CUSTOMER_FIELDS, FIELD_KINDS
from engine.conditions.compare import ISO_DATE, kind_of

TYPES = ("string", "number", "boolean", "date", "array", "object")

BUILTIN_FIELDS: dict[str, str] = {
    name: {"datetime": "date"}.get(FIELD_KINDS.get(name, "string"), FIELD_KINDS.get(name, "string"))
    for name in CUSTOMER_FIELDS
}
"""Customer fields an `attribute` condition reads from their columns, with the type they compare as (times as
dates). `days_since` and `anniversary` also read `last_active_at` (engine.conditions.dates.DATETIME_FIELDS)."""


def value_type(value: Any) -> str | None:
    """The catalog type of a value written in a rule or found in data (None for null)."""
    kind = kind_of(value)
    if kind == "string" and ISO_DATE.match(value):
        return "date"
    return "date" if kind == "datetime" else kind


@dataclass(frozen=True)
class FieldSpec:
    """One attribute or event property. `types` holds one type, or several when the data mixes them."""

    types: tuple[str, ...]
    description: str = ""
    seen: int | None = None
    examples: tuple[Any, ...] = ()

    def accepts(self, kind: str | None) -> bool:
        """Whether a rule value of `kind` can ever equal or order with a value stored here. Dates are ISO text,
        so a date literal compares with text and text with a date."""
        if kind in self.types:
            return True
        return (kind == "date" and "string" in self.types) or (kind == "string" and "date" in self.types)

    def shown_type(self) -> str:
        return " or ".join(self.types)


@dataclass(frozen=True)
class EventSpec:
    description: str = ""
    seen: int | None = None
    properties: dict[str, FieldSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    events: dict[str, EventSpec] = field(default_factory=dict)
    attributes: dict[str, FieldSpec] = field(default_factory=dict)
    source: str = ""
    """How the catalog file is named in messages (empty for one inferred from a store)."""

    def customer_names(self) -> list[str]:
        """Every name an `attribute` condition may use: the built-in fields and the declared attributes."""
        return [*BUILTIN_FIELDS, *self.attributes]

    def customer_field(self, name: str) -> FieldSpec | None:
        if name in BUILTIN_FIELDS:
            return FieldSpec((BUILTIN_FIELDS[name],))
        return self.attributes.get(name)
