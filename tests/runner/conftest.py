"""Fixtures of the run-engine tests: `kit` is a small real project on the `store_engine` of each dialect."""

from __future__ import annotations

import pytest

from tests.runner.kit import Kit, make_kit


@pytest.fixture
def kit(store_engine, tmp_path, monkeypatch) -> Kit:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "test-secret")
    return make_kit(store_engine, tmp_path / "project")
