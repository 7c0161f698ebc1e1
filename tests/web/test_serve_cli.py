"""`rekindle serve` refuses to start without what it needs, with a plain message and exit 1."""

from __future__ import annotations

from typer.testing import CliRunner

from engine.cli.app import app
from tests.web.kit import WebKit


def test_serve_refuses_to_start_without_the_unsubscribe_secret(kit: WebKit) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "1", "-c", str(kit.config)],
                                env={"REKINDLE_UNSUBSCRIBE_SECRET": None})
    assert result.exit_code == 1
    assert "error: environment variable REKINDLE_UNSUBSCRIBE_SECRET is not set" in result.output


def test_serve_refuses_an_invalid_project(kit: WebKit) -> None:
    (kit.root / "rules" / "news.yaml").write_text("version: 1\nid: news\ncategory: Not An Id\n"
                                                  "audience: {subscribed: true}\nsteps: [{id: a, template: news/hello}]\n")
    result = CliRunner().invoke(app, ["serve", "-c", str(kit.config)], env={"REKINDLE_UNSUBSCRIBE_SECRET": "s"})
    assert result.exit_code == 1
    assert "rules/news.yaml:3:11" in result.output and "category" in result.output
    assert "error: the project has invalid rules; not serving" in result.output
