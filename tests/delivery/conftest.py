"""Fixtures for delivery tests: a real aiosmtpd sink on 127.0.0.1 and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from engine.delivery.testing import RecordingHandler, SmtpSink

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink(RecordingHandler()) as server:
        yield server
