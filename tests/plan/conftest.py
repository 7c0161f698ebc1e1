"""Plan tests run the real CLI in-process against a scratch repository; the unsubscribe secret is set."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def unsubscribe_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "preview-test-secret")
