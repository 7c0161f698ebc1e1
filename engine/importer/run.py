"""Driving an import: read rows, check them, write them in batches, all in one transaction.

The transaction makes an import all-or-nothing against crashes (re-running a failed import never duplicates
events). Without --strict, bad rows are reported and skipped and the good ones are committed; with --strict any
bad row rolls everything back. Memory is bounded by the batch size, whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine

from engine.importer import customers, events
from engine.importer.progress import progress_bar
from engine.importer.report import COLUMNS, UNREADABLE, ImportReport
from engine.importer.source import FileFormat, Row, Source, UnreadableFile
from engine.importer.values import RowError
from engine.store.statistics import refresh_after_load
from engine.timeutil import to_naive_utc

Kind = Literal["customers", "events"]
_MODULES = {"customers": customers, "events": events}
#: Tables whose planner statistics a large import of each kind changes (events also update last_active_at).
_TABLES: dict[Kind, tuple[str, ...]] = {"customers": ("customers",), "events": ("events", "customers")}


@dataclass(frozen=True)
class ImportOptions:
    kind: Kind
    file_format: FileFormat
    now: datetime
    strict: bool = False
    batch_size: int = 10_000
    activity_events: tuple[str, ...] = ("login", "purchase")
    progress: bool = False


def import_file(engine: Engine, path: str, options: ImportOptions) -> ImportReport:
    """Import one file into the store and say what happened; never raises for bad input."""
    report = ImportReport(options.kind, "<stdin>" if path == "-" else path)
    try:
        source = Source(path, options.file_format)
    except UnreadableFile as exc:
        report.fail(UNREADABLE, exc.message, exc.line)
        return report
    try:
        if source.columns is not None and not _columns_match(source.columns, options.kind, report):
            return report
        with progress_bar(f"{options.kind} {report.file}", source.total_bytes, enabled=options.progress) as bar:
            _in_one_transaction(engine, source.rows(), options, report, source.format is FileFormat.csv,
                                lambda: bar.advance_to(source.bytes_read))
    finally:
        source.close()
    return report


def import_rows(engine: Engine, rows: Iterable[Row], options: ImportOptions, report: ImportReport) -> ImportReport:
    """Import rows that did not come from a file (the web API's JSON objects, numbered by their position) with
    exactly the checks, per-row errors and transaction of `import_file`."""
    _in_one_transaction(engine, rows, options, report, typed_strings=False, advanced=lambda: None)
    return report


def _in_one_transaction(engine: Engine, rows: Iterable[Row], options: ImportOptions, report: ImportReport,
                        typed_strings: bool, advanced: Callable[[], None]) -> None:
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            _import_rows(connection, rows, options, report, typed_strings, advanced)
        except UnreadableFile as exc:
            report.fail(UNREADABLE, exc.message, exc.line)
        if report.fatal is None and (report.ok or not options.strict):
            transaction.commit()
            report.committed = True
            refresh_after_load(connection, _TABLES[options.kind], report.imported)
        else:
            transaction.rollback()


def _columns_match(columns: tuple[str, ...], kind: Kind, report: ImportReport) -> bool:
    problems = _MODULES[kind].CONTRACT.header_problems(columns)
    if not problems:
        return True
    other: Kind = "events" if kind == "customers" else "customers"
    hint = f"the columns a {kind} file has are described in docs/import.md"
    if not _MODULES[other].CONTRACT.header_problems(columns):
        article = "an" if other == "events" else "a"
        hint = f"this looks like {article} {other} file: `rekindle import {other} {report.file}`"
    report.fail(COLUMNS, "; ".join(problems) + f" (the header has: {', '.join(columns)})", 1, hint)
    return False


def _import_rows(connection, rows: Iterable[Row], options: ImportOptions, report: ImportReport,
                 typed_strings: bool, advanced: Callable[[], None]) -> None:
    module = _MODULES[options.kind]
    writer: customers.CustomerWriter | events.EventWriter
    if options.kind == "customers":
        writer = customers.CustomerWriter(connection, report, to_naive_utc(options.now))
    else:
        writer = events.EventWriter(connection, report, options.activity_events)
    batch: list[tuple[int, dict]] = []

    def flush() -> None:
        # Under --strict, stop writing at the first bad row (it will all be rolled back) but keep checking.
        writer.write(batch, store=report.ok or not options.strict)
        batch.clear()
        advanced()

    for row in rows:
        report.rows_read += 1
        try:
            if row.error is not None:
                raise row.error
            batch.append((row.line, module.parse(row.values, typed_strings=typed_strings)))
        except RowError as error:
            report.reject(row.line, error)
        if len(batch) >= options.batch_size:
            flush()
    if batch:
        flush()
    writer.close()
