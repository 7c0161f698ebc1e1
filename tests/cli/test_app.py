"""The CLI shell: every command module registers, and --help/--version work without touching a project."""

from typer.testing import CliRunner

from engine import __version__
from engine.cli.app import app


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"rekindle {__version__}"


def test_help_lists_exit_codes() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "3 a required service (SMTP) was unreachable" in " ".join(result.output.split())
