"""Writing a snapshot: four streamed queries (customers, their events, enrolments and suppressions), each row
masked as it passes; no per-customer query, memory flat whatever the store's size.

Sampling is by a stable hash of the external id in SQL (`unit_hash('snapshot', external_id) < sample`), so the
same customers are picked on every refresh and their events and enrolments come with them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, func, select

from engine.privacy.pseudonyms import Pseudonyms
from engine.scheduling.hashing import register_sqlite_functions, unit_hash_sql
from engine.snapshot.fileformat import FORMAT, VERSION, open_text
from engine.store.models import Customer, Enrollment, Event, Suppression

C, EV, E, S = Customer.__table__, Event.__table__, Enrollment.__table__, Suppression.__table__
BATCH = 2000
ENROLLMENT_COLUMNS = ("campaign_id", "campaign_version", "status", "holdout", "enrolled_at", "next_step",
                      "next_step_id", "next_due_at", "last_step_at", "ended_at", "end_reason")


@dataclass
class ExportCounts:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("customer", "event", "enrollment", "suppression"), 0))


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _sampled(sample: float):
    return unit_hash_sql("snapshot", C.c.external_id) < sample if sample < 1 else None


def _where(query: Select, sample: float) -> Select:
    condition = _sampled(sample)
    return query if condition is None else query.where(condition)


def _stream(conn: Connection, query: Select):
    result = conn.execution_options(yield_per=BATCH).execute(query)
    for partition in result.partitions():
        yield from partition


def export_snapshot(conn: Connection, out: Path, *, sample: float = 1.0, key: bytes | None = None,
                    redact_attributes: tuple[str, ...] = (), now: datetime) -> ExportCounts:
    """Write the snapshot of the store behind `conn` to `out`; emails, names and external ids replaced by
    pseudonyms, the `redact_attributes` too (attributes and event properties are kept otherwise: audiences
    depend on them)."""
    names = Pseudonyms(key)
    result = ExportCounts()
    if conn.dialect.name == "sqlite":
        register_sqlite_functions(conn.connection.driver_connection)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open_text(out, "w") as handle:
        def write(record: dict[str, Any]) -> None:
            handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n")

        write({"format": FORMAT, "version": VERSION, "exported_at": now.isoformat(), "sample": sample,
               "masked": ["email", "first_name", "last_name", "external_id", *redact_attributes]})
        query = _where(select(C).order_by(C.c.id), sample)
        for row in _stream(conn, query):
            attributes = dict(row.attributes or {})
            for name in redact_attributes:
                if isinstance(attributes.get(name), str):
                    attributes[name] = names.text(name, attributes[name])
            write({"t": "customer", "id": names.external_id(row.external_id), "email": names.email(row.email),
                   "first_name": names.first_name(row.first_name), "last_name": names.last_name(row.last_name),
                   "locale": row.locale, "timezone": row.timezone, "created_at": _time(row.created_at),
                   "subscribed": row.subscribed, "attributes": attributes,
                   "last_active_at": _time(row.last_active_at)})
            result.counts["customer"] += 1
        query = _where(select(C.c.external_id, EV.c.name, EV.c.occurred_at, EV.c.properties)
                       .join(C, C.c.id == EV.c.customer_id).order_by(EV.c.id), sample)
        for row in _stream(conn, query):
            write({"t": "event", "customer": names.external_id(row.external_id), "name": row.name,
                   "occurred_at": _time(row.occurred_at), "properties": row.properties or {}})
            result.counts["event"] += 1
        query = _where(select(C.c.external_id, *(E.c[name] for name in ENROLLMENT_COLUMNS))
                       .join(C, C.c.id == E.c.customer_id).order_by(E.c.id), sample)
        for row in _stream(conn, query):
            record = {name: getattr(row, name) for name in ENROLLMENT_COLUMNS}
            record.update({key_: _time(record[key_]) for key_ in ("enrolled_at", "next_due_at", "last_step_at",
                                                                   "ended_at")})
            write({"t": "enrollment", "customer": names.external_id(row.external_id), **record})
            result.counts["enrollment"] += 1
        # Suppressions of sampled customers' addresses (stored lower-cased), once each.
        query = _where(select(S.c.email, S.c.reason, S.c.created_at).distinct()
                       .join(C, func.lower(C.c.email) == S.c.email).order_by(S.c.email), sample)
        for row in _stream(conn, query):
            write({"t": "suppression", "email": names.email(row.email), "reason": row.reason,
                   "created_at": _time(row.created_at)})
            result.counts["suppression"] += 1
        write({"t": "end", "counts": result.counts})
    return result
