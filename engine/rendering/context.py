"""The variables a template sees: customer, campaign, step, merged vars, variant, unsubscribe_url, now.

Templates get plain dictionaries, never ORM rows: a sandboxed template can then only reach data, not the
session, the mapper registry or anything else hanging off a SQLAlchemy object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from collections.abc import Callable
from functools import partial

from engine.rules.model import Campaign, Step
from engine.timeutil import as_utc

#: Customer fields a template may use as `customer.<name>`; attributes are under `customer.attributes`.
CUSTOMER_FIELDS = (
    "id", "external_id", "email", "first_name", "last_name", "name", "locale", "timezone",
    "created_at", "subscribed", "last_active_at", "attributes",
)


def _maybe_utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def customer_view(customer: Any, default_timezone: str = "UTC") -> dict[str, Any]:
    """The template's `customer`: fields of a store Customer (or any object with the same attributes)."""
    read = _reader(customer)
    first = read("first_name", None) or None
    last = read("last_name", None) or None
    return {
        "id": read("external_id"),
        "external_id": read("external_id"),
        "email": read("email"),
        "first_name": first,
        "last_name": last,
        "name": " ".join(part for part in (first, last) if part) or None,
        "locale": read("locale", None) or None,
        "timezone": read("timezone", None) or default_timezone,
        "created_at": _maybe_utc(read("created_at", None)),
        "subscribed": bool(read("subscribed", True)),
        "last_active_at": _maybe_utc(read("last_active_at", None)),
        "attributes": dict(read("attributes", None) or {}),
    }


def _reader(customer: Any) -> Callable[..., Any]:
    """`getattr(customer, name[, default])`, reading a loaded store row's values straight from its `__dict__`
    (what SQLAlchemy's attribute access returns for a loaded column, without its instrumentation, which was a
    fifth of building the context); anything not there (an expired column, a plain object) goes through
    `getattr` as before."""
    loaded = getattr(customer, "__dict__", None)
    if not isinstance(loaded, dict) or "_sa_instance_state" not in loaded:
        return partial(getattr, customer)

    def read(name: str, *default: Any) -> Any:
        return loaded[name] if name in loaded else getattr(customer, name, *default)
    return read


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
