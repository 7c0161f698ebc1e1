"""`kit`: the web test project on a fresh store of each dialect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.kit import WebKit, make_kit


@pytest.fixture
def kit(tmp_path: Path, store_url: str) -> Iterator[WebKit]:
    made = make_kit(tmp_path / "project", store_url)
    yield made
    made.store.dispose()
