"""Loading a snapshot into an empty store, in batches: customers first, then one id lookup for the whole file
(external id -> row id, held for the sampled customers only), then events, enrolments and suppressions.

Enrolments keep their campaign version and position (next step, its id, when it is due), so a plan on the
loaded store sees the same customers mid-sequence as production does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from engine.errors import InvalidInput
from engine.snapshot.fileformat import FORMAT, KINDS, VERSION, open_text
from engine.store.models import Customer, Enrollment, Event, Suppression
from engine.timeutil import parse_instant, to_naive_utc

C, EV, E, S = Customer.__table__, Event.__table__, Enrollment.__table__, Suppression.__table__
BATCH = 1000
TIMES = ("created_at", "last_active_at", "occurred_at", "enrolled_at", "next_due_at", "last_step_at", "ended_at")


class SnapshotInvalid(InvalidInput):
    """The file is not a complete Rekindle snapshot, or the store is not empty."""


@dataclass
class LoadCounts:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with open_text(path, "r") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SnapshotInvalid(f"{path}:{number}: not a snapshot record ({exc.msg})") from None
    except OSError as exc:
        raise SnapshotInvalid(f"cannot read {path}: {exc.strerror or exc}") from None


def _times(record: dict[str, Any]) -> dict[str, Any]:
    for key in TIMES:
        if record.get(key) is not None:
            record[key] = to_naive_utc(parse_instant(record[key]))
    return record


def load_snapshot(conn: Connection, path: Path) -> LoadCounts:
    """Load `path` into the (empty) store behind `conn`; the caller commits. SnapshotInvalid on a bad file."""
    if conn.execute(select(func.count()).select_from(C)).scalar_one():
        raise SnapshotInvalid("the store already holds customers; load a snapshot into a fresh store "
                              "(a new SQLite file or database, then `rekindle db init`)")
    records = _records(path)
    first = next(records, None)
    if first is None or first[1].get("format") != FORMAT or first[1].get("version") != VERSION:
        raise SnapshotInvalid(f"{path} is not a {FORMAT} file of version {VERSION}")
    result = LoadCounts()
    pending: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    ids: dict[str, int] | None = None
    trailer = None

    def flush(kind: str) -> None:
        rows = pending[kind]
        if not rows:
            return
        table = {"customer": C, "event": EV, "enrollment": E, "suppression": S}[kind]
        conn.execute(insert(table), rows)
        result.counts[kind] += len(rows)
        rows.clear()

    for number, record in records:
        kind = record.pop("t", None)
        if kind == "end":
            trailer = record
            break
        if kind not in KINDS:
            raise SnapshotInvalid(f"{path}:{number}: unknown record type {kind!r}")
        record = _times(record)
        if kind == "customer":
            record["external_id"] = record.pop("id")
        else:
            if ids is None:
                flush("customer")  # customers come first in the file: look their ids up once
                ids = {row[0]: row[1] for row in conn.execute(select(C.c.external_id, C.c.id))}
            if "customer" in record:
                customer = record.pop("customer")
                if customer not in ids:
                    raise SnapshotInvalid(f"{path}:{number}: {kind} of customer {customer!r}, who is not in the "
                                          "snapshot")
                record["customer_id"] = ids[customer]
        pending[kind].append(record)
        if len(pending[kind]) >= BATCH:
            flush(kind)
    for kind in KINDS:
        flush(kind)
    if trailer is None:
        raise SnapshotInvalid(f"{path} ends before its last record: the file is truncated")
    if trailer.get("counts") != result.counts:
        raise SnapshotInvalid(f"{path} announces {trailer.get('counts')} but holds {result.counts}")
    return result
