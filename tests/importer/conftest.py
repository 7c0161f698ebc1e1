"""A project whose store is initialised (through `rekindle db init`), on SQLite and on PostgreSQL in turn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result
from sqlalchemy import Engine, Select, select

from engine.cli.app import app
from engine.store.database import open_engine
from engine.store.models import Customer, Event
from tests.projects import write_project


class Project:
    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root
        self.config = root / "rekindle.yaml"
        self.engine = engine

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def rekindle(self, *args: str, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(app, [*args, "-c", str(self.config)], input=input)

    def rows(self, query: Select) -> list[tuple]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]

    def customers(self, *columns: str) -> list[tuple]:
        """The given customers columns of every customer, by external id (typed, on both dialects)."""
        table = Customer.__table__
        return self.rows(select(*(table.c[name] for name in columns)).order_by(table.c.external_id))

    def events(self, *columns: str) -> list[tuple]:
        table = Event.__table__
        return self.rows(select(*(table.c[name] for name in columns)).order_by(table.c.id))


def write_config(root: Path, store_url: str, extra: str = "") -> Path:
    return write_project(root, f"version: 1\nstore:\n  url: '{store_url}'\n{extra}")


@pytest.fixture
def bare_project(tmp_path: Path, store_url: str) -> Iterator[Project]:
    """A project whose store exists but has no tables yet (before `rekindle db init`)."""
    write_config(tmp_path, store_url, "defaults:\n  activity_events: [login, purchase]\n")
    engine = open_engine(store_url)
    yield Project(tmp_path, engine)
    engine.dispose()


@pytest.fixture
def project(bare_project: Project) -> Project:
    """A project whose store was created by `rekindle db init`."""
    result = bare_project.rekindle("db", "init")
    assert result.exit_code == 0, result.output
    return bare_project
