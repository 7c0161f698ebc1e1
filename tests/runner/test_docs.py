"""The run engine is documented: every option of run, plan and simulate is in its docs/cli.md section, and
every decision a tick records is explained in docs/campaigns.md."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from engine.cli.app import app
from engine.runner.summary import DECISIONS

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMANDS = typer.main.get_command(app).commands


def section(command: str) -> str:
    text = (DOCS / "cli.md").read_text()
    start = text.index(f"## `rekindle {command}`")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


@pytest.mark.parametrize("command", ["run", "plan", "simulate"])
def test_every_option_is_in_the_cli_reference(command: str) -> None:
    options = [p.opts[0] for p in COMMANDS[command].params if p.opts[0].startswith("--")]
    assert [option for option in options if option not in section(command)] == []


def test_every_decision_is_explained() -> None:
    text = (DOCS / "campaigns.md").read_text()
    assert [d for d in DECISIONS if f"| `{d}` |" not in text] == []
