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
    text = f'version: 1\ntracking: {{utm: {{source: "{value}", medium: email}}}}\n'
    config, problems = load_config(_write(tmp_path, text), environ=environ)
    assert problems == []
    assert config.tracking.utm["source"] == expected


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


def _problems(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> list[str]:
    config, problems = load_config(_write(tmp_path, text), "rekindle.yaml", environ=environ or {})
    assert config is None
    return [f"{d.location}: {d.code} {d.message}" + (f" | {d.hint}" if d.hint else "") for d in problems]


OUTSIDE_HINT = "keep project folders inside the project, or set allow_folders_outside_project: true if that is intended"


@pytest.mark.parametrize("folder", ["/var/mail/outbox", "../outbox", "demo/../../outbox"])
def test_a_maildir_folder_outside_the_project_is_refused(tmp_path: Path, folder: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    assert _problems(project, f"version: 1\ndelivery:\n  backend: maildir\n  maildir:\n    path: {folder}\n") == [
        f"rekindle.yaml:5:11: C107 delivery.maildir.path points outside the project folder | {OUTSIDE_HINT}"]


def test_a_maildir_folder_that_links_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (project / "outbox").symlink_to(tmp_path / "elsewhere")
    text = "version: 1\ndelivery:\n  backend: smtp\n  maildir: {path: outbox}\n  smtp: {url: 'smtp://relay:25'}\n"
    assert _problems(project, text) == [  # checked whichever backend is chosen: switching is one value
        f"rekindle.yaml:4:19: C107 delivery.maildir.path points outside the project folder | {OUTSIDE_HINT}"]


def test_a_maildir_folder_outside_the_project_may_be_allowed(tmp_path: Path) -> None:
    config, problems = load_config(_write(tmp_path, "version: 1\nallow_folders_outside_project: true\n"
                                                    "delivery: {backend: maildir, maildir: {path: /var/mail/x}}\n"),
                                   environ={})
    assert problems == [] and config is not None
    assert config.delivery.options == {"path": "/var/mail/x"}


@pytest.mark.parametrize(("url", "message"), [
    ("mysql://rekindle@db/rekindle", "the store URL names a 'mysql' database; Rekindle stores are SQLite "
                                     "(sqlite:///file.db) or PostgreSQL (postgresql+psycopg://host/db)"),
    ("postgresql+psycopg://rekindle@db:five/rekindle", "the store URL is not valid: its port is not a number; "
                                                       "write e.g. sqlite:///rekindle.db or postgresql+psycopg://host/db"),
    ("postgresql+psycopg://:${PGPASSWORD}@db/rekindle", "the store URL has a password but no user name, so the "
                                                        "password would not be used; write "
                                                        "postgresql+psycopg://user:${PGPASSWORD}@host/db (the "
                                                        "value comes from the environment)"),
])
def test_a_store_url_rekindle_cannot_use_is_located(tmp_path: Path, url: str, message: str) -> None:
    problems = _problems(tmp_path, f'version: 1\nstore:\n  url: "{url}"\n', {"PGPASSWORD": "hunter2"})
    assert problems == [f"rekindle.yaml:3:8: C108 {message}"]


def test_a_store_url_from_the_environment_is_never_printed(tmp_path: Path) -> None:
    environ = {"REKINDLE_STORE_URL": "postgresql+psycopg://:hunter2@db:5432/rekindle"}
    problems = _problems(tmp_path, "version: 1\nstore: {url: '${REKINDLE_STORE_URL}'}\n", environ)
    assert problems == ["rekindle.yaml:2:14: C108 the store URL has a password but no user name, so the password "
                        "would not be used; write postgresql+psycopg://user:${PGPASSWORD}@host/db (the value comes "
                        "from the environment)"]
    assert "hunter2" not in "".join(problems)
