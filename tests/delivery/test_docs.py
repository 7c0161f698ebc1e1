"""The delivery commands are documented: every option of `send`, `suppress ...` and `unsubscribe` appears in
its section of docs/cli.md, and every delivery.smtp option the registry accepts appears in docs/delivery.md."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from engine.cli.app import app
from engine.delivery import registry

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMANDS = typer.main.get_command(app).commands


def _section(heading: str) -> str:
    text = (DOCS / "cli.md").read_text()
    start = text.index(f"## `rekindle {heading}`")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


@pytest.mark.parametrize(
    ("heading", "command"),
    [("send", COMMANDS["send"]), ("unsubscribe", COMMANDS["unsubscribe"])]
    + [("suppress", sub) for sub in COMMANDS["suppress"].commands.values()],
)
def test_every_option_is_in_the_cli_reference(heading: str, command) -> None:
    section = _section(heading)
    options = [p.opts[0] for p in command.params if p.opts[0].startswith("--")]
    assert [option for option in options if option not in section] == []
    assert command.name in section


def test_every_smtp_option_is_in_the_delivery_guide() -> None:
    text = (DOCS / "delivery.md").read_text()
    assert [key for key in registry.SMTP_OPTIONS if f"`{key}`" not in text] == []
    assert [name for name in registry.BACKENDS if f"`{name}`" not in text] == []
