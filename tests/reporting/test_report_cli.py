"""`rekindle report` in-process against the shipped project and a fixture ledger: the JSON contract, every
format, the HTML file, and the errors a marketer can make on the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app
from tests.reporting.kit import Ledger, arm

CONFIG = str(Path(__file__).resolve().parents[2] / "rekindle.yaml")
NOW = "2026-11-20T00:00:00Z"


@pytest.fixture
def store(store_engine, store_url: str) -> dict[str, str]:
    led = Ledger(store_engine)
    arm(led, "t", 9, 3, holdout=False, campaign_id="winback-90")
    arm(led, "h", 2, 0, holdout=True, campaign_id="winback-90")
    return {"REKINDLE_STORE_URL": store_url}


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, ["report", *args, "--config", CONFIG, "--now", NOW], env=env)


def test_json_contract(store: dict[str, str]) -> None:
    result = run(store, "winback-90", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (campaign,) = document["campaigns"]
    assert campaign["id"] == "winback-90"
    uplift = campaign["uplift"]
    assert uplift["treatment"] == {"customers": 9, "converted": 3, "rate": pytest.approx(1 / 3), "revenue": 30.0}
    assert uplift["holdout"] == {"customers": 2, "converted": 0, "rate": 0.0, "revenue": 0.0}
    assert uplift["absolute"] == pytest.approx(1 / 3) and uplift["relative"] is None
    assert len(uplift["ci95"]) == 2 and uplift["ci95"][0] < 1 / 3 < uplift["ci95"][1]
    assert uplift["method"].startswith("Newcombe hybrid score")
    assert uplift["verdict"].startswith("Too little data to call a winner")
    assert [s["step"] for s in campaign["steps"]] == ["miss-you", "offer", "last-call"]
    stages = {s["stage"]: s["customers"] for s in document["lifecycle"]["now"]}
    assert list(stages) == ["new", "onboarding", "active", "at-risk", "lapsed", "churned", "other"]
    assert sum(stages.values()) == 11  # every fixture customer is in exactly one stage


def test_text_markdown_and_csv(store: dict[str, str]) -> None:
    text = run(store, "winback-90")
    assert text.exit_code == 0, text.output
    assert "winback-90: Win back after 90 days" in text.stdout
    assert "  mailed:   3/9 converted (33.3%), revenue 30.00, median time to convert 2.0 d" in text.stdout
    markdown = run(store, "winback-90", "--format", "markdown").stdout
    assert markdown.startswith("# Rekindle report\n") and "## winback-90: Win back after 90 days" in markdown
    assert "| step | mailed | delivered |" in markdown
    rows = list(csv.DictReader(io.StringIO(run(store, "winback-90", "--format", "csv").stdout)))
    arms = {r["group"]: r for r in rows if not r["step"]}
    assert (arms["treatment"]["customers"], arms["treatment"]["converted"], arms["holdout"]["customers"]) == ("9", "3", "2")
    assert [r["step"] for r in rows if r["step"]] == ["miss-you", "offer", "last-call"]


def test_window_options(store: dict[str, str]) -> None:
    later = json.loads(run(store, "winback-90", "--since", "2026-10-02T00:00:00Z", "--format", "json").stdout)
    assert later["campaigns"][0]["enrolled"] == 0 and later["since"] == "2026-10-02T00:00:00+00:00"
    bad = run(store, "--since", "yesterday")
    assert bad.exit_code == 2 and "Invalid value for '--since'" in bad.output


def test_html_page_is_written(store: dict[str, str], tmp_path: Path) -> None:
    page = tmp_path / "out" / "report.html"
    result = run(store, "--html", str(page), "--format", "json")
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "vegaEmbed" in html and 'data-chart="funnel"' in html and "<script src" not in html
    assert json.loads(result.stdout)["campaigns"]  # stdout still carries the chosen format


def test_unknown_campaign_lists_the_known_ones(store: dict[str, str]) -> None:
    result = run(store, "winback-9O")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("error: unknown campaign 'winback-9O'; known: birthday-reward,")
