"""`rekindle db init|upgrade|current`: create the store's tables, migrate them, and show the schema revision."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.options import ConfigOption
from engine.cli.store import open_configured_store, store_errors

db_app = typer.Typer(help="Create and migrate the store's tables (Alembic migrations shipped with Rekindle).")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("init")
def init(config_path: Path = ConfigOption) -> None:
    """Create every table at the latest schema revision in an empty store (safe to re-run)."""
    from engine.store import migrate
    from engine.store.connect import load_store_config, resolve_url, sqlite_file

    database = sqlite_file(resolve_url(load_store_config(config_path)))
    if database is not None:  # a fresh clone has no demo/ folder yet: creating the store creates its folder
        database.parent.mkdir(parents=True, exist_ok=True)
    _, engine = open_configured_store(config_path)
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

    _, engine = open_configured_store(config_path)
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

    _, engine = open_configured_store(config_path)
    state = migrate.store_state(engine)
    typer.echo(f"revision: {state.revision or 'none'} (latest: {state.head})")
    problem = state.problem()
    if problem:
        typer.echo(problem)
        raise migrate.StoreNotReady()  # printed above, on stdout, as part of the answer
