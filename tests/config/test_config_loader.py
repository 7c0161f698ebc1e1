"""Loading rekindle.yaml: documented defaults, ${ENV} interpolation, folder resolution, and the shipped config."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.config.loader import load_config
from engine.config.model import Config, FrequencyCap

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rekindle.yaml"
    path.write_text(text)
    return path


def test_a_minimal_config_takes_the_documented_defaults(tmp_path: Path) -> None:
    config, problems = load_config(_write(tmp_path, "version: 1\n"), environ={})
    assert problems == []
    assert config == Config(root=tmp_path, delivery=config.delivery, source=str(tmp_path / "rekindle.yaml"))
    assert (config.delivery.backend, config.delivery.options) == ("maildir", {"path": str(tmp_path / "outbox")})
    assert config.path(config.rules_dir) == tmp_path / "rules"


def test_every_key(tmp_path: Path) -> None:
    config, problems = load_config(_write(tmp_path, """\
version: 1
store: {url: "postgresql+psycopg://rekindle:${PGPASSWORD}@db/rekindle"}
rules_dir: campaigns
segments_dir: audiences
templates_dir: emails
sender: {from: "Acme <hello@acme.example>", reply_to: help@acme.example}
delivery:
  backend: smtp
  smtp: {url: "smtp://mail.acme.example:587", timeout: 10, concurrency: 2, rate_per_second: 5.5, max_attempts: 3}
defaults:
  timezone: Europe/Paris
  activity_events: [login]
  frequency_caps: [{max: 2, per: 7d}]
  per_run_limit: 500
unsubscribe: {url: "https://acme.example/u?t={token}", mailto: u@acme.example, secret_env: ACME_SECRET}
tracking: {utm: {source: rekindle, medium: email, campaign: spring}}
"""), environ={"PGPASSWORD": "pw"})
    assert problems == []
    assert config.store_url == "postgresql+psycopg://rekindle:pw@db/rekindle"
    assert (config.rules_dir, config.segments_dir, config.templates_dir) == (
        Path("campaigns"), Path("audiences"), Path("emails"))
    assert (config.sender.from_address, config.sender.reply_to) == ("Acme <hello@acme.example>", "help@acme.example")
    assert config.delivery.backend == "smtp"
    assert config.delivery.options == {"url": "smtp://mail.acme.example:587", "timeout": 10, "concurrency": 2,
                                       "rate_per_second": 5.5, "max_attempts": 3}
    assert config.defaults.timezone == "Europe/Paris"
    assert config.defaults.activity_events == ("login",)
    assert config.defaults.frequency_caps == (FrequencyCap(2, timedelta(days=7)),)
    assert config.defaults.per_run_limit == 500
    assert (config.unsubscribe.url, config.unsubscribe.mailto, config.unsubscribe.secret_env) == (
        "https://acme.example/u?t={token}", "u@acme.example", "ACME_SECRET")
    assert config.tracking.utm == {"source": "rekindle", "medium": "email", "campaign": "spring"}


@pytest.mark.parametrize("value, environ, expected", [
    ("${A}", {"A": "x"}, "x"),
    ("pre-${A}-post", {"A": "x"}, "pre-x-post"),
    ("${A:-fallback}", {}, "fallback"),
    ("${A:-fallback}", {"A": ""}, "fallback"),
    ("x${A:-}", {}, "x"),
    ("x${A}", {"A": ""}, "x"),
    ("$${A}", {"A": "x"}, "${A}"),
    ("${A}${B}", {"A": "1", "B": "2"}, "12"),
    ("cost $5", {}, "cost $5"),
])
def test_interpolation(tmp_path: Path, value: str, environ: dict[str, str], expected: str) -> None:
    config, problems = load_config(_write(tmp_path, f'version: 1\nstore: {{url: "{value}"}}\n'), environ=environ)
    assert problems == []
    assert config.store_url == expected


def test_every_missing_variable_is_reported(tmp_path: Path) -> None:
    config, problems = load_config(
        _write(tmp_path, 'version: 1\nstore: {url: "${DB_URL}"}\nsender:\n  from: "${FROM}"\n'), environ={})
    assert config is None
    assert [(p.code, p.location.line, p.message) for p in problems] == [
        ("C103", 2, 'environment variable "DB_URL" is not set (used in store.url)'),
        ("C103", 4, 'environment variable "FROM" is not set (used in sender.from)'),
    ]


def test_numbers_and_keys_are_not_interpolated(tmp_path: Path) -> None:
    config, problems = load_config(_write(tmp_path, "version: 1\ndefaults: {per_run_limit: 5}\n"), environ={})
    assert problems == [] and config.defaults.per_run_limit == 5


def test_a_password_from_the_environment_is_fine(tmp_path: Path) -> None:
    config, problems = load_config(_write(tmp_path, """\
version: 1
delivery: {backend: smtp, smtp: {url: "smtp://rekindle:${SMTP_PASSWORD}@mail.example:587"}}
"""), environ={"SMTP_PASSWORD": "s3cret"})
    assert problems == []
    assert config.delivery.options["url"] == "smtp://rekindle:s3cret@mail.example:587"


def test_the_shipped_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    config, problems = load_config(Path("rekindle.yaml"), environ={})
    assert problems == []
    assert config.store_url == "sqlite:///demo/rekindle.db"
    assert config.delivery.backend == "maildir"
    assert config.delivery.options == {"path": str(REPO / "demo" / "outbox")}
    assert config.defaults.frequency_caps == (FrequencyCap(1, timedelta(days=1)), FrequencyCap(3, timedelta(days=7)))


def test_the_shipped_config_switches_to_smtp_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    config, problems = load_config(Path("rekindle.yaml"), environ={
        "REKINDLE_DELIVERY": "smtp", "REKINDLE_SMTP_URL": "smtp://127.0.0.1:2525"})
    assert problems == []
    assert config.delivery.backend == "smtp"
    assert config.delivery.options["url"] == "smtp://127.0.0.1:2525"


def test_the_shipped_lifecycle_stages_and_reporting_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.conditions.inactive import InactiveCondition
    from engine.config.model import Reporting

    monkeypatch.chdir(REPO)
    config, problems = load_config(Path("rekindle.yaml"), environ={})
    assert problems == []
    assert [s.id for s in config.lifecycle] == ["new", "onboarding", "active", "at-risk", "lapsed", "churned"]
    assert config.lifecycle[-1].condition == InactiveCondition(timedelta(days=180))
    assert config.lifecycle[-1].description == "inactive for 180 days or more"
    assert config.reporting == Reporting(("purchase",), timedelta(days=90), timedelta(days=30))


def test_lifecycle_and_reporting_defaults_and_errors(tmp_path: Path) -> None:
    config, problems = load_config(_write(tmp_path, "version: 1\n"), environ={})
    assert (config.lifecycle, config.reporting.dormant_after) == ((), timedelta(days=90))
    _, problems = load_config(_write(tmp_path, """\
version: 1
lifecycle:
  stages:
    - {id: Active, condition: {inactiv: {for: 30d}}}
reporting: {dormant_after: ninety}
"""), environ={})
    assert [(p.code, p.location.line, p.location.column, p.message) for p in problems] == [
        ("C102", 4, 12, '"Active" is not valid at lifecycle.stages[0].id; expected an identifier: lower-case '
                        "letters, digits, '-' and '_', starting with a letter or digit, e.g. winback-90"),
        ("C102", 4, 32, 'unknown condition kind "inactiv" in lifecycle.stages[0].condition (did you mean '
                        '"inactive"?)'),
        ("C102", 5, 28, 'invalid duration "ninety" at reporting.dormant_after; write a whole number and a unit: '
                        "30m, 36h, 90d or 2w"),
    ]
