"""`attribute`: compare a customer field or free-form attribute with a value.

    attribute: {name: plan, in: [pro, team]}

`name` is a built-in customer field (email, first_name, last_name, locale, timezone, created_at, subscribed)
or else a top-level key of the customer's JSON attributes. Typing and missing values follow
`engine.conditions.compare`: numbers compare as numbers, strings as strings; a missing attribute matches only
`ne`, `not_in` and `exists: false`.

SQL: the column itself, or the JSON value projected to the rule value's type (json_type/json_extract on
SQLite, jsonb_typeof/->> on PostgreSQL). Python: the same comparison on the loaded customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Comparison, Condition
from engine.conditions.compare import Column, JsonKey, Operand, compare_sql, compare_value
from engine.conditions.evaluate import Verdict, outcome

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import CustomerRecord, EvalContext
    from engine.conditions.sql import SqlContext

CUSTOMER_FIELDS = ("email", "first_name", "last_name", "locale", "timezone", "created_at", "subscribed")
FIELD_KINDS = {"created_at": "datetime", "subscribed": "boolean"}


def customer_operand(name: str) -> Operand:
    from engine.conditions.sql import customers

    if name in CUSTOMER_FIELDS:
        return Column(customers.c[name], FIELD_KINDS.get(name, "string"))
    return JsonKey(customers.c.attributes, name)


def customer_value(customer: "CustomerRecord", name: str) -> Any:
    """The stored value (None when absent), exactly what the SQL operand reads."""
    if name in CUSTOMER_FIELDS:
        return getattr(customer, name)
    return (customer.attributes or {}).get(name)


def show(value: Any) -> str:
    return "missing" if value is None else repr(value)


@dataclass(frozen=True)
class AttributeCondition(Condition):
    kind = "attribute"
    name: str
    comparison: Comparison

    @classmethod
    def parse(cls, body: Any) -> "AttributeCondition":
        return cls(body["name"], Comparison.from_mapping(body))

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        return compare_sql(customer_operand(self.name), self.comparison)

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        value = customer_value(ctx.customer, self.name)
        passed = compare_value(value, self.comparison, customer_operand(self.name))
        description = f"{self.name} is {show(value)}; wanted {self.comparison.describe()}: {outcome(passed)}"
        return Verdict(passed, self.kind, description, decided_by=value)
