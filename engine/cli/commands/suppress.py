"""`rekindle suppress add|import|list|remove`: the addresses Rekindle never mails (docs/delivery.md)."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum
from pathlib import Path

import typer

from engine.cli.notes import say
from engine.cli.options import ConfigOption, NowOption
from engine.errors import InvalidInput

suppress_app = typer.Typer(
    help="Manage the suppression list: addresses never mailed (hard bounces, unsubscribes, manual). "
    "Addresses are stored lower-cased."
)

ReasonOption = typer.Option("manual", "--reason", help="Why these addresses are suppressed.")


class ListFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.add_typer(suppress_app, name="suppress")


@suppress_app.command("add")
def add(
    emails: list[str] = typer.Argument(..., help="One or more addresses."),
    reason: str = ReasonOption,
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Suppress addresses. Nothing is added if any of them is not an address (exit 1)."""
    from engine.addresses import address_problem
    from engine.suppression.store import Entry

    problems = [problem for email in emails if (problem := address_problem(email.strip()))]
    if problems:
        raise InvalidInput("\nerror: ".join(problems))
    _add([Entry(email, reason) for email in emails], config_path, now)


@suppress_app.command("import")
def import_file(
    file: Path = typer.Argument(..., help="CSV with an `email` column (optional reason, detail) or one per line."),
    reason: str = ReasonOption,
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Suppress every address in a file. Nothing is added if any line is bad (exit 1, each bad line named)."""
    from engine.suppression.addresses import read_addresses

    if not file.is_file():
        raise typer.BadParameter(f"no such file: {file}", param_hint="FILE")
    entries, problems = read_addresses(file, reason)
    if problems:
        for problem in problems:
            say(f"{file}:{problem.line}: {problem.message}", "suppress.bad_line", level=logging.ERROR,
                file=str(file), line=problem.line, reason=problem.message)
        raise InvalidInput()  # each bad line is named above
    _add(entries, config_path, now)


def _add(entries, config_path: Path, now) -> None:
    from engine.cli.store import ready_store
    from engine.cli.options import resolve_now
    from engine.suppression import store

    _, engine = ready_store(config_path)
    with engine.begin() as conn:
        added = store.add(conn, entries, resolve_now(now))
    engine.dispose()
    unique = len({store.normalise(entry.email) for entry in entries})
    typer.echo(f"Suppressed {added} new address{'es' if added != 1 else ''}; {unique - added} already suppressed.")


@suppress_app.command("list")
def list_(
    output_format: ListFormat = typer.Option(ListFormat.text, "--format", help="text, json (lines) or csv."),
    config_path: Path = ConfigOption,
) -> None:
    """Every suppressed address with its reason, oldest first."""
    import json
    import sys

    from engine.cli.store import ready_store
    from engine.suppression import store

    _, engine = ready_store(config_path)
    with engine.connect() as conn:
        rows = store.entries(conn)
        if output_format is ListFormat.csv:
            from engine.cli.csv_output import write_csv

            write_csv(sys.stdout, ["email", "reason", "detail", "created_at"],
                      ((r.email, r.reason, r.detail or "", r.created_at.isoformat()) for r in rows))
        for row in rows if output_format is not ListFormat.csv else ():
            if output_format is ListFormat.json:
                typer.echo(json.dumps({"email": row.email, "reason": row.reason, "detail": row.detail,
                                       "created_at": row.created_at.isoformat()}))
            else:
                detail = f"  {row.detail}" if row.detail else ""
                typer.echo(f"{row.email}  {row.reason}  {row.created_at:%Y-%m-%d %H:%M}{detail}")
    engine.dispose()


@suppress_app.command("remove")
def remove(email: str = typer.Argument(..., help="The address to mail again."), config_path: Path = ConfigOption) -> None:
    """Take an address off the list (exit 1 if it was not on it). It does not resubscribe a customer."""
    from engine.cli.store import ready_store
    from engine.suppression import store

    _, engine = ready_store(config_path)
    with engine.begin() as conn:
        removed = store.remove(conn, email)
    engine.dispose()
    if not removed:
        raise InvalidInput(f"{store.normalise(email)} is not suppressed")
    typer.echo(f"Removed {store.normalise(email)} from the suppression list.")
