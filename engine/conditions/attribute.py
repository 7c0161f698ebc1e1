"""`attribute`: compare a customer field or free-form attribute with a value.

    attribute: {name: plan, in: [pro, team]}

`name` is a built-in customer field (email, first_name, last_name, locale, timezone, created_at, subscribed)
or else a key of the customer's JSON attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.conditions.base import Comparison, Condition

CUSTOMER_FIELDS = ("email", "first_name", "last_name", "locale", "timezone", "created_at", "subscribed")


@dataclass(frozen=True)
class AttributeCondition(Condition):
    kind = "attribute"
    name: str
    comparison: Comparison

    @classmethod
    def parse(cls, body: Any) -> "AttributeCondition":
        return cls(body["name"], Comparison.from_mapping(body))
