"""Masking sample recipients in every CI-facing output (plan, gallery): a reviewer sees *that* a customer of
a certain shape gets an email, never who. The domain stays (it matters for deliverability review); the local
part keeps its first character; names keep their initial."""

from __future__ import annotations

from typing import Any

from engine.store.models import Customer

_CUSTOMER_COLUMNS = tuple(column.key for column in Customer.__table__.columns)


def mask_email(address: str) -> str:
    """`alice@example.com` -> `a***@example.com`; something that is not an address -> `***`."""
    local, at, domain = (address or "").rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_name(name: str | None) -> str | None:
    """`Grace` -> `G.`: the initial only (None and "" stay as they are, so templates take the same branch)."""
    return f"{name.strip()[0]}." if name and name.strip() else name


def mask_external_id(external_id: str) -> str:
    """External ids are kept (a reviewer needs them to cross-reference) unless they are email addresses."""
    return mask_email(external_id) if "@" in external_id else external_id


def masked_customer(customer: Any) -> Customer:
    """A detached copy of a store Customer with email, names (and an email-shaped external id) masked, so an
    email rendered for it carries no real address or name: the masking holds for the rendered body too."""
    values = {key: getattr(customer, key, None) for key in _CUSTOMER_COLUMNS}
    values.update(email=mask_email(customer.email), first_name=mask_name(customer.first_name),
                  last_name=mask_name(customer.last_name), external_id=mask_external_id(customer.external_id))
    return Customer(**values)
