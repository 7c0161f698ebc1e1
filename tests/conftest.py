"""Fixtures shared by the whole suite.

`store_url` runs a test once on SQLite (a temp file) and once on PostgreSQL (a fresh schema of the database in
REKINDLE_TEST_POSTGRES_URL, dropped afterwards). Without that variable the PostgreSQL case is skipped locally;
`.ci/run` always sets it, and REKINDLE_REQUIRE_POSTGRES=1 turns the skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.store.database import open_engine
from engine.store.migrate import upgrade
from engine.store.testing import scratch_schema

POSTGRES_URL = os.environ.get("REKINDLE_TEST_POSTGRES_URL")


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    with scratch_schema(base_url, "t") as url:
        yield url


def _require_postgres() -> str:
    """The PostgreSQL URL, or skip (fail under REKINDLE_REQUIRE_POSTGRES=1, as in CI)."""
    if not POSTGRES_URL:
        if os.environ.get("REKINDLE_REQUIRE_POSTGRES"):
            pytest.fail("REKINDLE_TEST_POSTGRES_URL is not set but PostgreSQL tests are required")
        pytest.skip("REKINDLE_TEST_POSTGRES_URL is not set")
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty store, on each dialect in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield from _postgres_schema_url(_require_postgres())


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of an empty PostgreSQL store only (multi-process tests of the production store's locking)."""
    yield from _postgres_schema_url(_require_postgres())


@pytest.fixture
def store_engine(store_url: str) -> Iterator[Engine]:
    """An Engine on an empty store with Rekindle's tables created by the migrations (as `rekindle db init` does)."""
    engine = open_engine(store_url)
    upgrade(engine)
    yield engine
    engine.dispose()
