"""A campaign id the project does not have is a usage error (exit 2) with the same message in every command
that takes one, whether as an argument or as `--campaign` (engine/cli/project.py's require_campaign)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app
from tests.runner.cliproject import write_project


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("unknown-campaign")
    return write_project(root, f"sqlite:///{root / 'store.db'}", customers=1)


@pytest.mark.parametrize("args", [
    ["audience", "nudg"],
    ["explain", "nudg", "c0000"],
    ["report", "nudg"],
    ["preview", "nudg", "--customer", "c0000"],
    ["pause", "nudg", "--reason", "test"],
    ["run", "--campaign", "nudg"],
    ["plan", "--campaign", "nudg"],
])
def test_an_unknown_campaign_is_a_usage_error_everywhere(config: Path, args: list[str], monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "error: unknown campaign 'nudg'; known: nudge\n"
