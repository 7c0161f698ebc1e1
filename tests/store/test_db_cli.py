"""`rekindle db init|upgrade|current` through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from engine.store import migrate
from engine.store.database import open_engine
from engine.store.models import Base


def rekindle(config: Path, *args: str):
    return CliRunner().invoke(app, [*args, "-c", str(config)])


def config_for(tmp_path: Path, store_url: str) -> Path:
    config = tmp_path / "rekindle.yaml"
    config.write_text(f"version: 1\nstore:\n  url: '{store_url}'\n")
    return config


def test_init_creates_the_schema_once(tmp_path: Path, store_url: str) -> None:
    config = config_for(tmp_path, store_url)
    head = migrate.head_revision()
    current = rekindle(config, "db", "current")
    assert (current.exit_code, current.stdout) == (
        1, f"revision: none (latest: {head})\nthe store has no tables yet; create them with `rekindle db init`\n"
    )
    first = rekindle(config, "db", "init")
    assert first.exit_code == 0 and first.stdout.startswith("Created the store at ")
    assert first.stdout.endswith(f"(schema revision {head}).\n")
    again = rekindle(config, "db", "init")
    assert again.exit_code == 0 and again.stdout.endswith(f"is already at schema revision {head}; nothing to do.\n")
    assert rekindle(config, "db", "current").stdout == f"revision: {head} (latest: {head})\n"
    assert rekindle(config, "db", "upgrade").stdout == f"The store is already at schema revision {head}; nothing to do.\n"


def test_upgrade_creates_an_empty_store_too(tmp_path: Path, store_url: str) -> None:
    result = rekindle(config_for(tmp_path, store_url), "db", "upgrade")
    assert (result.exit_code, result.stdout) == (
        0, f"Upgraded the store from empty to schema revision {migrate.head_revision()}.\n"
    )


def test_init_records_the_revision_of_matching_tables_and_refuses_others(tmp_path: Path, store_url: str) -> None:
    config = config_for(tmp_path, store_url)
    engine = open_engine(store_url)
    Base.metadata.create_all(engine)
    result = rekindle(config, "db", "init")
    assert result.exit_code == 0 and result.stdout.endswith(f"match schema revision {migrate.head_revision()}; recorded it.\n")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")
        connection.exec_driver_sql("DROP INDEX ix_customers_email")
    refused = rekindle(config, "db", "init")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[0] == (
        "error: the store has Rekindle tables but no schema revision; `rekindle db init` records the revision when "
        f"the tables match it, but they differ from revision {migrate.head_revision()}:"
    )
    assert "add_index" in refused.stderr and "ix_customers_email" in refused.stderr
    engine.dispose()


def test_a_relative_sqlite_path_is_relative_to_the_config(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config = config_for(project, "sqlite:///data.db")
    assert rekindle(config, "db", "init").exit_code == 0
    assert (project / "data.db").is_file()


def test_an_unreachable_store_exits_3(tmp_path: Path) -> None:
    config = config_for(tmp_path, "postgresql+psycopg://rekindle@127.0.0.1:1/nothing")
    result = rekindle(config, "db", "init")
    assert result.exit_code == 3
    assert result.stderr.startswith("error: cannot reach the store at postgresql+psycopg://rekindle@127.0.0.1:1/nothing: ")


def test_a_password_in_the_store_url_is_never_printed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_TEST_DB_PASSWORD", "s3cret-value")
    config = config_for(tmp_path, "postgresql+psycopg://rekindle:${REKINDLE_TEST_DB_PASSWORD}@127.0.0.1:1/nothing")
    result = rekindle(config, "db", "current")
    assert result.exit_code == 3
    assert "s3cret-value" not in result.output and "***" in result.stderr


def test_a_broken_config_is_reported_before_touching_any_store(tmp_path: Path) -> None:
    config = tmp_path / "rekindle.yaml"
    config.write_text("store:\n  url: sqlite:///x.db\n")
    result = rekindle(config, "db", "init")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"error: cannot read the project config {config}"
    assert not (tmp_path / "x.db").exists()


def test_init_creates_the_folder_of_a_relative_sqlite_file(tmp_path: Path) -> None:
    """A fresh clone of a project whose store is `sqlite:///demo/rekindle.db` has no demo/ folder yet."""
    config = config_for(tmp_path, "sqlite:///demo/nested/rekindle.db")
    assert not (tmp_path / "demo").exists()
    result = rekindle(config, "db", "init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "nested" / "rekindle.db").is_file()
    assert rekindle(config, "db", "current").exit_code == 0
