"""Customers files: the column contract, one row to a `customers` record, and the batch upsert.

A row's external `id` is the key: a customer already in the store is updated, only in the columns the row gives
(an empty cell leaves the stored value alone), and its attributes are merged key by key. So `id,credit` is an
attribute-only update; only a customer not yet in the store needs an `email` (one query per batch finds
which of the batch's email-less ids are new, and those rows are rejected with I403). The same id twice in
one file is a warning and the later row wins; a temporary table remembers the ids seen in earlier batches so
this holds across batches without keeping every id in memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, bindparam, select, update

from engine.importer import values as v
from engine.importer.columns import Contract, given
from engine.importer.report import DUPLICATE_ID, ImportReport
from engine.store.members import member_of
from engine.store.models import Customer
from engine.store.upsert import merge_json, upsert

CONTRACT = Contract(
    kind="customers",
    required=("id",),
    optional=("email", "first_name", "last_name", "locale", "timezone", "created_at", "subscribed", "attributes"),
    extra_into="attributes",
)

_OPTIONAL_PARSERS = {
    "first_name": lambda value: v.text("first_name", value, max_length=255),
    "last_name": lambda value: v.text("last_name", value, max_length=255),
    "locale": lambda value: v.locale("locale", value),
    "timezone": lambda value: v.timezone_name("timezone", value),
    "created_at": lambda value: v.instant("created_at", value),
    "subscribed": lambda value: v.boolean("subscribed", value),
}


def parse(values: dict[str, Any], *, typed_strings: bool) -> dict[str, Any]:
    """A `customers` row from a file row: only the columns the row gives, attributes collected."""
    record: dict[str, Any] = {"external_id": v.required_text("id", values.get("id"), max_length=255)}
    if given(values.get("email")):
        record["email"] = v.email("email", values.get("email"))
    for column, parse_value in _OPTIONAL_PARSERS.items():
        if given(values.get(column)):
            record[column] = parse_value(values[column])
    attributes = CONTRACT.document(values, typed_strings=typed_strings)
    for name, value in attributes.items():
        v.flat_value(name, value)
    if attributes:
        record["attributes"] = attributes
    return record


def _applied_over(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """Two rows for one customer in a batch, combined as if upserted one after the other."""
    combined = {**earlier, **later}
    if "attributes" in earlier and "attributes" in later:
        combined["attributes"] = {**earlier["attributes"], **later["attributes"]}
    return combined


_SEEN = Table(
    "rekindle_import_seen",
    MetaData(),
    Column("external_id", String(255), primary_key=True),
    Column("line", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)


class CustomerWriter:
    """Upserts batches of customer records on one connection, inside the import's transaction."""

    def __init__(self, connection: Connection, report: ImportReport, now: datetime) -> None:
        self.connection = connection
        self.report = report
        self.now = now
        self.dialect = connection.dialect.name
        _SEEN.create(connection)
        self._earlier = select(_SEEN.c.external_id, _SEEN.c.line).where(
            member_of(_SEEN.c.external_id, "ids", self.dialect)
        )
        self._remember = upsert(self.dialect, _SEEN, key="external_id", replace=["line"])
        table = Customer.__table__
        self._stored = select(table.c.external_id).where(member_of(table.c.external_id, "ids", self.dialect))

    def close(self) -> None:
        _SEEN.drop(self.connection)

    def write(self, batch: list[tuple[int, dict[str, Any]]], *, store: bool) -> None:
        latest: dict[str, tuple[int, dict[str, Any]]] = {}
        for line, record in batch:
            previous = latest.get(record["external_id"])
            if previous is not None:
                self._duplicate(line, record["external_id"], previous[0])
                record = _applied_over(previous[1], record)
            latest[record["external_id"]] = (line, record)
        rejected = self._reject_new_without_email(latest)
        if not latest:
            self.report.imported += len(batch) - rejected
            return
        self._check_earlier_batches(latest)
        if store and latest:
            self._upsert([record for _, record in latest.values()])
        self.report.imported += len(batch) - rejected

    def _reject_new_without_email(self, latest: dict[str, tuple[int, dict[str, Any]]]) -> int:
        """Rows without an email may only update stored customers: reject (and drop) those for new ids."""
        missing = [external_id for external_id, (_, record) in latest.items() if "email" not in record]
        if not missing:
            return 0
        stored = set(self.connection.execute(self._stored, {"ids": missing}).scalars())
        rejected = 0
        for external_id in missing:
            if external_id not in stored:
                line, _ = latest.pop(external_id)
                self.report.reject(line, v.RowError(v.MISSING_VALUE, f"email is missing, and customer "
                                                    f"{external_id!r} is not in the store yet (an update of a "
                                                    "stored customer may leave it out)", "email"))
                rejected += 1
        return rejected

    def _duplicate(self, line: int, external_id: str, earlier_line: int) -> None:
        self.report.warn(line, DUPLICATE_ID, f"id {external_id!r} is also on line {earlier_line}; this later row wins")

    def _check_earlier_batches(self, latest: dict[str, tuple[int, dict[str, Any]]]) -> None:
        """Warn about ids already seen in an earlier batch, then remember this batch's ids (with their lines)."""
        earlier = self.connection.execute(self._earlier, {"ids": list(latest)})
        for external_id, earlier_line in earlier:
            self._duplicate(latest[external_id][0], external_id, earlier_line)
        self.connection.execute(self._remember, [{"external_id": e, "line": line} for e, (line, _) in latest.items()])

    def _upsert(self, records: list[dict[str, Any]]) -> None:
        """One statement per set of given columns (a CSV file has one), so an update touches only those."""
        groups: dict[frozenset[str], list[dict[str, Any]]] = {}
        for record in records:
            groups.setdefault(frozenset(record), []).append(record)
        table = Customer.__table__
        for columns, rows in groups.items():
            replace = sorted(columns - {"external_id", "attributes"})
            merge = ["attributes"] if "attributes" in columns else []
            if "email" not in columns:  # updates of stored customers only (new ids were rejected)
                self._update(replace, merge, rows)
                continue
            statement = upsert(self.dialect, table, key="external_id", replace=replace, merge=merge)
            if "created_at" not in columns:  # a new customer's creation time defaults to the import's
                rows = [{**row, "created_at": self.now} for row in rows]
            self.connection.execute(statement, rows)

    def _update(self, replace: list[str], merge: list[str], rows: list[dict[str, Any]]) -> None:
        """An UPDATE by external id (executemany) for rows that give no email: an INSERT would need one."""
        if not replace and not merge:
            return  # only an id: nothing to change
        table = Customer.__table__
        values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in replace}
        for name in merge:
            values[name] = merge_json(self.dialect, table.c[name], bindparam(f"new_{name}", type_=table.c[name].type))
        statement = update(table).where(table.c.external_id == bindparam("key")).values(values)
        self.connection.execute(statement, [{"key": row["external_id"], **{f"new_{name}": row[name]
                                             for name in (*replace, *merge)}} for row in rows])
