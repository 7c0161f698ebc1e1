"""Who a preview renders for: customers from the store (for the gallery: those in each campaign's audience at
`--now`), or from examples/data/customers.csv when the store is empty or does not exist yet (a marketer can
preview a template before any data was imported)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine.config.model import Config
from engine.project import Project
from engine.rendering.samples import BUILTIN, EXAMPLE_CUSTOMERS, example_customers, find_example_customer
from engine.store.models import Customer


@dataclass(frozen=True)
class Found:
    customers: list[Customer]
    source: str
    """Where they came from, said to the user: "the store", "examples/data/customers.csv" or "built-in samples"."""


def _sqlite_file_missing(url: str) -> bool:
    """A SQLite store that was never created: opening it would create an empty file, which a preview must not."""
    if not url.startswith("sqlite"):
        return False
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return path not in ("", ":memory:") and not Path(path).exists()


def _from_store(config: Config, external_ids: list[str] | None, limit: int) -> list[Customer] | None:
    """Customers from the store, or None when the store is missing, unreadable or holds no customer at all."""
    from engine.config.store import resolve_url
    from engine.store.database import open_engine

    url = resolve_url(config)  # relative SQLite paths count from the config's folder, as for every command
    if _sqlite_file_missing(url):
        return None
    engine = open_engine(url)
    try:
        with Session(engine) as session:
            if not session.scalar(select(func.count()).select_from(Customer)):
                return None
            query = select(Customer).order_by(Customer.external_id)
            if external_ids:
                query = query.where(Customer.external_id.in_(external_ids))
            found = list(session.scalars(query.limit(len(external_ids) if external_ids else limit)))
            session.expunge_all()
            return found
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def audience_samples(project: Project, now: datetime, limit: int) -> dict[str, list[Customer]] | None:
    """For each campaign, the first `limit` customers of its audience at `now` from the store (one query per
    campaign), or None when the store is missing, unreadable or holds no customer (then the caller falls back
    to the example customers, which are in no audience)."""
    from engine.audience.members import audience_customers
    from engine.config.store import resolve_url
    from engine.store.database import open_engine

    url = resolve_url(project.config)
    if _sqlite_file_missing(url):
        return None
    engine = open_engine(url)
    defaults = project.config.defaults
    try:
        with engine.connect() as conn:
            if not conn.execute(select(func.count()).select_from(Customer)).scalar_one():
                return None
            return {campaign.id: audience_customers(conn, campaign, now=now, activity_events=defaults.activity_events,
                                                    segments=project.segments, default_timezone=defaults.timezone,
                                                    limit=limit)
                    for campaign in project.campaigns}
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def find_customers(config: Config, external_ids: list[str] | None = None, limit: int = 3) -> Found:
    """The named customers (in the order named) or, without names, the first `limit` by id.

    Missing names are simply absent from the result; the caller says which were not found."""
    stored = _from_store(config, external_ids, limit)
    if stored is not None:
        if external_ids:
            by_id = {c.external_id: c for c in stored}
            stored = [by_id[i] for i in external_ids if i in by_id]
        return Found(stored, "the store")
    if external_ids:
        builtin = {c.external_id: c for c in BUILTIN}
        found = [find_example_customer(config.root, i) or builtin.get(i) for i in external_ids]
        return Found([c for c in found if c is not None], EXAMPLE_CUSTOMERS.as_posix())
    examples = example_customers(config.root, limit)
    if examples:
        return Found(examples, EXAMPLE_CUSTOMERS.as_posix())
    return Found(list(BUILTIN), "built-in samples")
