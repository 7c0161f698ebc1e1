"""The variables a template sees: customer, campaign, step, merged vars, variant, unsubscribe_url, now.

Templates get plain dictionaries, never ORM rows: a sandboxed template can then only reach data, not the
session, the mapper registry or anything else hanging off a SQLAlchemy object.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from collections.abc import Mapping

from engine.rules.model import Campaign, Step
from engine.timeutil import as_utc

#: Customer fields a template may use as `customer.<name>`; attributes are under `customer.attributes`.
CUSTOMER_FIELDS = (
    "id", "external_id", "email", "first_name", "last_name", "name", "locale", "timezone",
    "created_at", "subscribed", "last_active_at", "attributes",
)


#: The columns `customer_view` reads, with the value a plain object lacking one stands for (the two without a
#: default are required: an object without them is not a customer).
_DEFAULTS: dict[str, Any] = {"first_name": None, "last_name": None, "locale": None, "timezone": None,
                             "created_at": None, "subscribed": True, "last_active_at": None, "attributes": None}
#: In the order they were always read (which of two missing required columns an error names).
_ORDER = ("first_name", "last_name", "external_id", "email", "locale", "timezone", "created_at", "subscribed",
          "last_active_at", "attributes")
_COLUMNS = frozenset(_ORDER)


def customer_view(customer: Any, default_timezone: str = "UTC") -> dict[str, Any]:
    """The template's `customer`: fields of a store Customer (or any object with the same attributes)."""
    row = _row(customer)
    first = row["first_name"] or None
    last = row["last_name"] or None
    created, active = row["created_at"], row["last_active_at"]
    # `" ".join` of the parts that are set, without a generator per message
    parts = (first, last) if first and last else (first,) if first else (last,) if last else ()
    return {
        "id": row["external_id"],
        "external_id": row["external_id"],
        "email": row["email"],
        "first_name": first,
        "last_name": last,
        "name": " ".join(parts) or None,
        "locale": row["locale"] or None,
        "timezone": row["timezone"] or default_timezone,
        "created_at": _utc(created) if created is not None else None,
        "subscribed": bool(row["subscribed"]),
        "last_active_at": _utc(active) if active is not None else None,
        "attributes": dict(row["attributes"] or {}),
    }


def _row(customer: Any) -> Mapping[str, Any]:
    """The customer's columns by name. A loaded store row's values are read straight from its `__dict__` (what
    SQLAlchemy's attribute access returns for a loaded column, without its instrumentation, which was a fifth
    of building the context): the `__dict__` itself when it holds every column (one set comparison in C); a
    column not there (an expired one, or one a row built in memory never set) goes through `getattr` as
    before, and so does every column of a plain object."""
    loaded = getattr(customer, "__dict__", None)
    if isinstance(loaded, dict) and "_sa_instance_state" in loaded:
        if loaded.keys() >= _COLUMNS:
            return loaded
        missing = [name for name in _ORDER if name not in loaded]  # before reading: one read may load others
        return {**loaded, **{name: _read(customer, name) for name in missing}}
    return {name: _read(customer, name) for name in _ORDER}


def _utc(value: datetime) -> datetime:
    """`as_utc(value)`. A stored time is a naive datetime (naive is UTC): it gets the UTC zone through
    `datetime.combine` with positional arguments, the same datetime (fields and fold) as `as_utc`'s
    `value.replace(tzinfo=timezone.utc)` without its keyword parsing, which cost about 9,000 instructions
    per call, a fifth of the customer view. tests/rendering/test_customer_view.py holds it to `as_utc`."""
    if type(value) is datetime and value.tzinfo is None:
        return datetime.combine(value, value.time(), timezone.utc)
    return as_utc(value)


def _read(customer: Any, name: str) -> Any:
    return getattr(customer, name, _DEFAULTS[name]) if name in _DEFAULTS else getattr(customer, name)


def merged_vars(campaign: Campaign, step: Step) -> dict[str, Any]:
    """Campaign vars overridden by step vars: `vars.discount_usd` set on the offer step wins."""
    return {**campaign.vars, **step.vars}


def build_context(
    campaign: Campaign,
    step: Step,
    customer: dict[str, Any],
    *,
    variant: str | None,
    now: datetime,
    unsubscribe_url: str,
    locale: str = "en-US",
    currency: str = "USD",
) -> dict[str, Any]:
    """The full render context; `customer` is a `customer_view` mapping. `locale` and `currency` are the
    project's declared defaults; the campaign's own declaration wins (`campaign.locale`, `campaign.currency`)."""
    return {
        "customer": customer,
        "campaign": {"id": campaign.id, "name": campaign.name, "vars": dict(campaign.vars),
                     "locale": campaign.locale or locale, "currency": campaign.currency or currency},
        "step": {"id": step.id, "vars": dict(step.vars)},
        "vars": merged_vars(campaign, step),
        "variant": variant,
        "unsubscribe_url": unsubscribe_url,
        "now": as_utc(now),
    }
