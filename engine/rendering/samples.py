"""Sample customers for template checks, previews and the gallery, when the store cannot provide them.

The example data (`examples/data/customers.csv`, written by the example generator) is read with the importer's
own row parser, so a sample customer is exactly what `rekindle import customers` would have stored. Without
that file, two built-in customers stand in: one with every field and one with none of the optional ones (the
case a template's fallbacks must survive).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path

from engine.documents.paths import EXAMPLE_CUSTOMERS
from engine.store.models import Customer

#: Rows read to learn the attribute names (example data is small; this bounds `validate` on a large file).
ATTRIBUTE_SCAN_ROWS = 5000


def example_customers_path(root: Path) -> Path | None:
    path = root / EXAMPLE_CUSTOMERS
    return path if path.is_file() else None


def _rows(path: Path) -> Iterator[Customer]:
    from engine.importer.customers import parse
    from engine.importer.values import RowError

    with path.open(newline="", encoding="utf-8-sig") as handle:
        for values in csv.DictReader(handle):
            try:
                record = parse(values, typed_strings=True)
            except RowError:
                continue
            record.setdefault("created_at", datetime(2024, 1, 1))
            yield Customer(**record)


def example_customers(root: Path, limit: int | None = None) -> list[Customer]:
    """Up to `limit` customers from the example CSV (an empty list if there is none)."""
    path = example_customers_path(root)
    return list(islice(_rows(path), limit)) if path else []


def find_example_customer(root: Path, external_id: str) -> Customer | None:
    path = example_customers_path(root)
    return next((c for c in _rows(path) if c.external_id == external_id), None) if path else None


def example_attribute_names(root: Path) -> frozenset[str] | None:
    """Every attribute name the example customers have (the first ATTRIBUTE_SCAN_ROWS rows), or None without
    example data (nothing to compare to)."""
    path = example_customers_path(root)
    if path is None:
        return None
    customers = islice(_rows(path), ATTRIBUTE_SCAN_ROWS)
    return frozenset(name for customer in customers for name in customer.attributes or {})


BUILTIN = (
    Customer(external_id="sample-full", email="ada.lovelace@example.com", first_name="Ada", last_name="Lovelace",
             locale="en-GB", timezone="Europe/London", created_at=datetime(2023, 3, 14, 10, 30), subscribed=True,
             attributes={"plan": "pro", "company": "Analytical Engines Ltd", "country": "GB",
                         "birthday": "1990-12-10", "lifetime_value": 1240.5},
             last_active_at=datetime(2026, 7, 1, 12, 0)),
    Customer(external_id="sample-bare", email="someone@example.com", first_name=None, last_name=None,
             locale=None, timezone=None, created_at=datetime(2025, 11, 2, 8, 0), subscribed=True, attributes={},
             last_active_at=None),
)


def sample_customers(root: Path, limit: int = 3) -> list[Customer]:
    """The customers previews and checks render for: the first `limit` example customers, else BUILTIN."""
    return example_customers(root, limit) or list(BUILTIN)
