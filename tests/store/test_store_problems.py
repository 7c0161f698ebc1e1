"""Permanent store problems exit 1 with a plain reason (a scheduler must not retry them forever); only an
unreachable server exits 3. `db init` creates the SQLite file's folder, as a fresh clone needs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.store.test_db_cli import config_for, rekindle


def test_db_init_creates_the_folder_of_the_sqlite_file(tmp_path: Path) -> None:
    config = config_for(tmp_path, "sqlite:///demo/nested/rekindle.db")
    result = rekindle(config, "db", "init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "nested" / "rekindle.db").is_file()


def test_a_missing_folder_is_permanent(tmp_path: Path) -> None:
    config = config_for(tmp_path, "sqlite:///missing/rekindle.db")
    result = rekindle(config, "db", "current")
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot use the store at sqlite:///{tmp_path}/missing/rekindle.db: unable to "
                             f"open database file (the folder {tmp_path}/missing does not exist; `rekindle db init` "
                             "creates it)\n")
    assert not (tmp_path / "missing").exists()


def test_a_corrupt_file_is_permanent(tmp_path: Path) -> None:
    (tmp_path / "rekindle.db").write_bytes(b"not a database at all " * 200)
    config = config_for(tmp_path, "sqlite:///rekindle.db")
    result = rekindle(config, "db", "upgrade")
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot use the store at sqlite:///{tmp_path}/rekindle.db: file is not a "
                             "database (the file is not a SQLite database, or it is damaged; restore it from a "
                             "backup)\n")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_file_is_permanent(tmp_path: Path) -> None:
    config = config_for(tmp_path, "sqlite:///rekindle.db")
    assert rekindle(config, "db", "init").exit_code == 0
    os.chmod(tmp_path / "rekindle.db", 0o444)
    os.chmod(tmp_path, 0o555)
    try:
        result = rekindle(config, "suppress", "add", "a@example.com")
    finally:
        os.chmod(tmp_path, 0o755)
    assert result.exit_code == 1
    assert "readonly database" in result.stderr


@pytest.mark.parametrize(("url", "message"), [
    ("mysql://user@db/rekindle", "the store URL names a 'mysql' database; Rekindle stores are SQLite "
                                 "(sqlite:///file.db) or PostgreSQL (postgresql+psycopg://host/db)"),
    ("postgresql+psycopg://user@db:notaport/rekindle", "the store URL is not valid: its port is not a number; "
                                                       "write e.g. sqlite:///rekindle.db or postgresql+psycopg://host/db"),
    ("not a url", "the store URL is not valid: it cannot be parsed; write e.g. sqlite:///rekindle.db or "
                  "postgresql+psycopg://host/db"),
])
def test_an_unusable_store_url_is_a_located_diagnostic(tmp_path: Path, url: str, message: str) -> None:
    config = config_for(tmp_path, url)
    result = rekindle(config, "db", "current")
    assert (result.exit_code, result.stderr) == (1, f"{config}:3:8: C108 {message}\n"
                                                    f"error: cannot read the project config {config}\n")


def test_a_database_that_does_not_exist_is_permanent(postgres_url: str, tmp_path: Path) -> None:
    missing = postgres_url.split("?")[0].rsplit("/", 1)[0] + "/rekindle_no_such_database"
    result = rekindle(config_for(tmp_path, missing), "db", "current")
    assert result.exit_code == 1
    assert 'database "rekindle_no_such_database" does not exist' in result.stderr
