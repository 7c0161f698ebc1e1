"""`rekindle validate` reports template problems (T3xx) next to rule problems, with template:line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from tests.preview.kit import make_project


def test_validate_reports_a_broken_template_with_its_line(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    hello = tmp_path / "templates" / "welcome" / "hello.txt"
    hello.write_text(hello.read_text().replace("Hi {{ customer | first_name }},", "Hi {{ customer.nickname }},"))
    ok = CliRunner().invoke(app, ["validate", "--config", str(config)])
    assert ok.exit_code == 1
    assert ok.stdout.splitlines() == [
        "templates/welcome/hello.txt:3:1: T302 customer has no field 'nickname'; custom data is under "
        "customer.attributes (fields: id, external_id, email, first_name, last_name, name, locale, timezone, "
        "created_at, subscribed, last_active_at, attributes)",
    ]


def test_validate_passes_the_shipped_templates(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    result = CliRunner().invoke(app, ["validate", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
