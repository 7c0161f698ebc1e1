"""`rekindle db init|upgrade|current|prune`: create the store's tables, migrate them, show the schema revision,
and drop what old finished work no longer needs (docs/operations.md)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from engine.cli.options import ConfigOption, NowOption, resolve_now
from engine.cli.store import open_configured_store, store_errors

db_app = typer.Typer(help="Create and migrate the store's tables (Alembic migrations shipped with Rekindle).")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("init")
def init(config_path: Path = ConfigOption) -> None:
    """Create every table at the latest schema revision in an empty store (safe to re-run)."""
    from engine.store import migrate

    _, engine = open_configured_store(config_path, create=True)
    state = migrate.store_state(engine)
    where = engine.url.render_as_string(hide_password=True)
    if state.status is migrate.StoreStatus.empty:
        with store_errors("creating the tables"):
            migrate.upgrade(engine)
        typer.echo(f"Created the store at {where} (schema revision {state.head}).")
    elif state.status is migrate.StoreStatus.current:
        typer.echo(f"The store at {where} is already at schema revision {state.head}; nothing to do.")
    elif state.status is migrate.StoreStatus.unmanaged:
        differences = migrate.schema_differences(engine)
        if differences:
            raise migrate.StoreNotReady("\n  ".join([f"{state.problem()}, but they differ from revision {state.head}:",
                                              *map(str, differences)]))
        migrate.stamp(engine)
        typer.echo(f"The tables at {where} match schema revision {state.head}; recorded it.")
    else:
        raise migrate.StoreNotReady(str(state.problem()))


@db_app.command("upgrade")
def upgrade(config_path: Path = ConfigOption) -> None:
    """Migrate the store to the latest schema revision, keeping its data (creates it if empty)."""
    from engine.store import migrate

    _, engine = open_configured_store(config_path, create=True)
    state = migrate.store_state(engine)
    if state.status in (migrate.StoreStatus.unknown, migrate.StoreStatus.unmanaged):
        raise migrate.StoreNotReady(str(state.problem()))
    if state.status is migrate.StoreStatus.current:
        typer.echo(f"The store is already at schema revision {state.head}; nothing to do.")
        return
    with store_errors("migrating"):
        migrate.upgrade(engine)
    typer.echo(f"Upgraded the store from {state.revision or 'empty'} to schema revision {state.head}.")


@db_app.command("current")
def current(config_path: Path = ConfigOption) -> None:
    """Print the store's schema revision and whether it is the latest; exit 1 when it is not."""
    from engine.store import migrate

    _, engine = open_configured_store(config_path, create=True, make_folder=False)
    state = migrate.store_state(engine)
    typer.echo(f"revision: {state.revision or 'none'} (latest: {state.head})")
    problem = state.problem()
    if problem:
        typer.echo(problem)
        raise migrate.StoreNotReady()  # printed above, on stdout, as part of the answer


@db_app.command("prune")
def prune(
    older_than: str = typer.Option(..., "--older-than", help="Age of the work to prune, e.g. 90d or 12w."),
    decisions: bool = typer.Option(False, "--decisions", help="Also delete decisions older than that."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be dropped; change nothing."),
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Drop the message bytes of finished deliveries older than --older-than, keeping each row and the
    SHA-256 of its message; with --decisions, delete older decisions too."""
    from engine.cli.store import ready_store
    from engine.store import retention
    from engine.timeutil import parse_duration

    try:
        age = parse_duration(older_than)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--older-than") from None
    cutoff = resolve_now(now).replace(tzinfo=None) - age
    _, engine = ready_store(config_path)
    with store_errors("pruning"):
        if dry_run:
            with engine.connect() as conn:
                report = retention.measure(conn, cutoff, decisions)
        else:
            report = retention.prune(engine, cutoff, decisions)
    sqlite = engine.dialect.name == "sqlite"
    engine.dispose()
    lead = "Dry run: would drop" if dry_run else "Dropped"
    typer.echo(f"{lead} the message bytes of {report.deliveries} finished deliveries older than "
               f"{cutoff:%Y-%m-%d %H:%M} UTC ({report.message_bytes / 1e6:.1f} MB); their rows and hashes stay.")
    if decisions:
        typer.echo(f"{'Would delete' if dry_run else 'Deleted'} {report.decisions} decisions older than that.")
    if sqlite and not dry_run and report.deliveries:
        typer.echo("SQLite reuses the freed pages for new rows; `VACUUM` (with the store idle) shrinks the file.")
