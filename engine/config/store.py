"""Opening the store a project config names: the URL resolved against the config's folder, a missing SQLite
file refused (or created for `rekindle db init`), every failure a StoreError. Here, above the store package,
so that the store itself never depends on the config."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from engine.config.model import Config
from engine.store.connect import StoreError, connect, sqlite_file, url_problem


def load_store_config(config_path: Path) -> Config:
    from engine.config.loader import load_config
    from engine.documents.schema_check import remembering_valid_documents

    with remembering_valid_documents(config_path.absolute().parent):
        config, problems = load_config(config_path)
    if config is None:
        raise StoreError(f"cannot read the project config {config_path}", diagnostics=problems)
    return config


def resolve_url(config: Config) -> str:
    """The store URL with a relative SQLite path taken from the config's folder, like every other path in it
    (`sqlite:///demo/rekindle.db` in /srv/project/rekindle.yaml is /srv/project/demo/rekindle.db)."""
    problem = url_problem(config.store_url)
    if problem:
        raise StoreError(problem)
    url = make_url(config.store_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        if not database.is_absolute():
            url = url.set(database=str(config.root / database))
    return url.render_as_string(hide_password=False)


def open_store(config: Config, create: bool = False, *, make_folder: bool = True) -> Engine:
    """The store of a project: every command opens it this way so they all agree on where it is.

    A SQLite file that does not exist is created (with its folder) only when `create` (`rekindle db init`
    and `upgrade`); any other command says exactly what is missing instead of leaving an empty file behind."""
    url = resolve_url(config)
    database = sqlite_file(url)
    if database is not None and not database.exists():
        if not create:
            raise StoreError(
                f"there is no store at {database} yet (the store url in {config.source or 'rekindle.yaml'}): "
                "create it with `rekindle db init`"
            )
        if make_folder:  # `db current` may open a new file but never makes folders: connect() says what is missing
            database.parent.mkdir(parents=True, exist_ok=True)
    return connect(url)
