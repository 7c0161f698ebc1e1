"""docs/cli.md stays true to the code (datasette's habit): every command and sub-command has a section, and
every option of it is named in that section. Adding an option without documenting it fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from engine.cli.app import app

REFERENCE = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
INTRODUCTION = REFERENCE[: REFERENCE.index("\n## ")]
DOCUMENTED_ONCE = {"--config"}
"""Options the introduction documents for every command, so sections need not repeat them."""


def _commands() -> list[tuple[str, Any]]:
    """(top-level name, command) for every leaf command, e.g. ("suppress", <suppress add>)."""
    found = []
    for name, command in typer.main.get_command(app).commands.items():
        if hasattr(command, "commands"):  # a group such as `db` or `suppress`
            found += [(name, sub) for sub in command.commands.values()]
        else:
            found.append((name, command))
    return sorted(found, key=lambda pair: (pair[0], pair[1].name))


def _section(name: str) -> str:
    start = REFERENCE.index(f"## `rekindle {name}`")
    end = REFERENCE.find("\n## ", start + 1)
    return REFERENCE[start:] if end == -1 else REFERENCE[start:end]


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda value: getattr(value, "name", value))
def test_every_option_is_in_the_cli_reference(name: str, command: Any) -> None:
    section = _section(name)
    assert command.name in section
    options = [param.opts[0] for param in command.params
               if param.opts[0].startswith("--") and param.opts[0] not in DOCUMENTED_ONCE]
    assert [option for option in options if option not in section] == []


def test_options_common_to_every_command_are_in_the_introduction() -> None:
    assert "Every command that works on a project (all but `init`) takes `--config PATH`" in INTRODUCTION
    for name, command in _commands():
        if name == "init":
            continue
        assert "--config" in [param.opts[0] for param in command.params], f"{name} {command.name}"


def test_the_reference_has_no_section_for_a_command_that_does_not_exist() -> None:
    documented = {line.split("`")[1].split()[1] for line in REFERENCE.splitlines() if line.startswith("## `rekindle ")}
    assert documented == {name for name, _ in _commands()}
