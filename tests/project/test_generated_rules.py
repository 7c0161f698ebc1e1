"""Property (issue 10): a rule file generated from schemas/rule.v1.json, hostile strings included, never makes
any command raise. `validate` either accepts it, and then audience, explain, plan and run all work on it (on
SQLite and PostgreSQL), or refuses it with diagnostics; no traceback, ever.

The campaign id, template names and segment references are pinned to ones the project has (most of the time),
so that generated files get past R203/R204 and reach the commands that compile and run them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli.app import app
from engine.documents.schemas import schema
from tests.project.schema_strategies import SchemaStrategies
from tests.runner.cliproject import write_project

NOW = "2026-02-15T10:00:00Z"
RULES = st.one_of(SchemaStrategies(schema("rule")).document(),  # hostile strings and out-of-bound values
                  SchemaStrategies(schema("rule"), hostile=False).document())  # what a marketer might write
SEGMENT = "version: 1\nid: vip\ncondition: {attribute: {name: plan, eq: pro}}\n"


def _pin(document: Any, draw: st.DrawFn, audience: bool = False) -> Any:
    """Point template and segment references at files the project has, and keep `since: enrolled` out of
    audiences (R206), so that many generated files are valid (unknown names are the bad-input corpus's job)."""
    if isinstance(document, dict):
        pinned = {key: _pin(value, draw, audience or key == "audience") for key, value in document.items()}
        if isinstance(pinned.get("template"), str):
            pinned["template"] = draw(st.sampled_from(["nudge/first", "nudge/second"]))
        if isinstance(pinned.get("segment"), str):
            pinned["segment"] = "vip"
        if audience and pinned.get("since") == "enrolled":
            del pinned["since"]
        return pinned
    if isinstance(document, list):
        return [_pin(item, draw, audience) for item in document]
    return document


@st.composite
def rule_files(draw: st.DrawFn) -> str:
    document = _pin(draw(RULES), draw)
    if isinstance(document, dict) and isinstance(document.get("id"), str) and draw(st.integers(0, 4)) < 4:
        document["id"] = "gen"
    return yaml.safe_dump(document, allow_unicode=False, sort_keys=False)


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"rekindle {' '.join(args)} raised {result.exception!r}\n{result.output}") \
            from result.exception
    assert result.exit_code in (0, 1), (args, result.exit_code, result.output)
    return result


def test_generated_rule_files_never_raise(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_project(tmp_path, store_url, customers=5)
    (tmp_path / "segments" / "vip.yaml").write_text(SEGMENT)
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "generated-rules-secret")
    rule = tmp_path / "rules" / "nudge.yaml"
    tried = {"valid": 0, "refused": 0}

    @settings(max_examples=50, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(rule_files())
    def check(text: str) -> None:
        rule.write_text(text, encoding="utf-8")
        validated = _invoke("validate", "--config", str(config))
        if validated.exit_code != 0:
            tried["refused"] += 1
            return
        tried["valid"] += 1
        campaign = yaml.safe_load(text)["id"]
        _invoke("audience", campaign, "--config", str(config), "--now", NOW)
        _invoke("explain", campaign, "c0001", "--config", str(config), "--now", NOW)
        _invoke("plan", "--config", str(config), "--now", NOW)
        _invoke("run", "--config", str(config), "--now", NOW)

    check()
    assert tried["valid"] and tried["refused"], tried  # both halves of the property were exercised
