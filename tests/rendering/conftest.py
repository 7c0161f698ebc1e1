"""Fixtures for rendering tests: the unsubscribe secret in the environment and a throwaway project folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.config.model import Config
from tests.rendering.kit import SECRET, write_project


@pytest.fixture(autouse=True)
def unsubscribe_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", SECRET)
    return SECRET


@pytest.fixture
def project_dir(tmp_path: Path) -> Callable[..., Config]:
    """`project_dir({name: source}, utm=..., mailto=...)`: a Config whose templates folder holds those files."""
    return lambda templates, **kwargs: write_project(tmp_path / "project", templates, **kwargs)
