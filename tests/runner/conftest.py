"""Fixtures of the run-engine tests: `kit` is a small real project on the `store_engine` of each dialect."""

from __future__ import annotations

import os

import pytest

from runner.kit import Kit, make_kit


@pytest.fixture
def kit(store_engine, tmp_path, monkeypatch) -> Kit:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "test-secret")
    return make_kit(store_engine, tmp_path / "project")


@pytest.fixture
def postgres_url(request):
    """A fresh PostgreSQL schema only (for the multi-process tests of the production store)."""
    from conftest import POSTGRES_URL, _postgres_schema_url

    if not POSTGRES_URL:
        if os.environ.get("REKINDLE_REQUIRE_POSTGRES"):
            pytest.fail("REKINDLE_TEST_POSTGRES_URL is not set but PostgreSQL tests are required")
        pytest.skip("REKINDLE_TEST_POSTGRES_URL is not set")
    yield from _postgres_schema_url(POSTGRES_URL)
