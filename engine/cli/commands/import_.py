"""`rekindle import customers|events FILE`: load a CSV or JSON Lines file into the store (docs/import.md)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import typer

from engine.cli.options import ConfigOption, NowOption
from engine.errors import InvalidInput
from engine.importer.formats import STDIN, FileFormat, detect_format

import_app = typer.Typer(
    help=(
        "Import customers or events from CSV or JSON Lines (`-` reads stdin). Exit codes: 0 every row imported, "
        "1 some rows rejected (without --strict the others were imported) or the file unusable, "
        "2 usage, 3 store unreachable."
    )
)

FileArgument = typer.Argument(..., help="A .csv, .jsonl or .ndjson file (optionally .gz), or - for stdin.")
FormatOption = typer.Option(None, "--format", case_sensitive=False, help="By default from the file's extension.")
StrictOption = typer.Option(
    False, "--strict",
    help="Reject the whole file if any row is bad or names an event, property or attribute the catalog does not "
         "declare (nothing written).",
)
BatchOption = typer.Option(10_000, "--batch-size", min=1, help="Rows written per statement.")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")


def _command(kind: Literal["customers", "events"], help_text: str):
    """One `rekindle import <kind>` command; both kinds take the same options."""

    def command(
        file: str = FileArgument,
        file_format: FileFormat | None = FormatOption,
        strict: bool = StrictOption,
        batch_size: int = BatchOption,
        config_path: Path = ConfigOption,
        now: datetime | None = NowOption,
    ) -> None:
        _import(kind, file, file_format, strict, batch_size, config_path, now)

    command.__doc__ = help_text
    import_app.command(kind)(command)


_command(
    "customers",
    """Upsert customers by `id`. Columns: id, and email for customers not yet stored; optional first_name, last_name, locale, timezone,
    created_at, subscribed, attributes (JSON); any other column becomes an attribute.""",
)
_command(
    "events",
    """Append events. Columns: customer_id (the customer's id), name, occurred_at; optional properties (JSON);
    any other column becomes a property.""",
)


def _import(
    kind: Literal["customers", "events"],
    file: str,
    file_format: FileFormat | None,
    strict: bool,
    batch_size: int,
    config_path: Path,
    now,
) -> None:
    import sys

    from engine.cli.store import store_errors
    from engine.cli.store import ready_store
    from engine.cli.options import resolve_now
    from engine.importer.run import ImportOptions, import_file

    chosen = file_format or _detected_format(file)
    if file != STDIN and not Path(file).is_file():
        raise typer.BadParameter(f"no such file: {file}", param_hint="FILE")
    from engine.catalog import require_catalog

    config, engine = ready_store(config_path)
    catalog = require_catalog(config)
    options = ImportOptions(
        kind=kind,
        file_format=chosen,
        now=resolve_now(now),
        strict=strict,
        batch_size=batch_size,
        activity_events=config.defaults.activity_events,
        progress=sys.stderr.isatty(),
        catalog=catalog,
    )
    with store_errors(f"importing {kind}"):
        report = import_file(engine, file, options)
    engine.dispose()
    typer.echo(report.format_text(), err=not report.ok)
    if not report.ok:
        raise InvalidInput()  # the report above names every rejected row


def _detected_format(file: str) -> FileFormat:
    detected = detect_format(file) if file != STDIN else None
    if detected is None:
        where = "stdin" if file == STDIN else f"{file!r} from its extension"
        raise typer.BadParameter(f"cannot tell the format of {where}; pass --format csv or --format jsonl",
                                 param_hint="--format")
    return detected
