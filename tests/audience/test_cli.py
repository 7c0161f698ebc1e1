"""`rekindle audience` and `rekindle explain` in-process against the shipped project: output and exit codes."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from tests.conditions.kit import load_store
from engine.cli.app import app
from engine.store.models import Enrollment

CONFIG = str(Path(__file__).resolve().parents[2] / "rekindle.yaml")
NOW = "2026-11-23T09:00:00Z"
PEOPLE = [
    {"external_id": "lapsed", "email": "ann@example.com", "first_name": "Ann", "last_name": "Lee",
     "last_active_at": "2026-07-26T09:00:00Z", "events": [{"name": "login", "at": "2026-07-26T09:00:00Z"}]},
    {"external_id": "active", "email": "bo@example.com", "first_name": "Bo",
     "last_active_at": "2026-11-20T09:00:00Z", "events": [{"name": "login", "at": "2026-11-20T09:00:00Z"}]},
    {"external_id": "lapsed-unsubscribed", "email": "cy@example.com", "subscribed": False,
     "last_active_at": "2026-07-26T09:00:00Z"},
    {"external_id": "lapsed-too", "email": "di@example.com", "created_at": "2026-07-01T00:00:00Z"},
]


@pytest.fixture
def store(store_engine: Engine, store_url: str) -> dict[str, str]:
    with store_engine.begin() as connection:
        load_store(connection, PEOPLE)
    return {"REKINDLE_STORE_URL": store_url}


def _run(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, [*args, "--config", CONFIG, "--now", NOW], env=env)


def test_audience_text_lists_count_and_members(store: dict[str, str]) -> None:
    result = _run(store, "audience", "winback-90")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "winback-90: 2 customers in the audience at 2026-11-23T09:00:00Z\n"
        "members:\n"
        "  external_id  email            name\n"
        "  lapsed       ann@example.com  Ann Lee\n"
        "  lapsed-too   di@example.com\n"
    )


def test_audience_limit_says_it_is_a_sample(store: dict[str, str]) -> None:
    result = _run(store, "audience", "winback-90", "--limit", "1")
    assert result.stdout.splitlines()[1] == "first 1 by id:"
    assert len(result.stdout.splitlines()) == 4


def test_audience_json(store: dict[str, str]) -> None:
    result = _run(store, "audience", "winback-90", "--format", "json")
    assert json.loads(result.stdout) == {
        "campaign": "winback-90", "now": "2026-11-23T09:00:00+00:00", "count": 2,
        "members": [{"external_id": "lapsed", "email": "ann@example.com", "name": "Ann Lee"},
                    {"external_id": "lapsed-too", "email": "di@example.com", "name": ""}],
    }


def test_audience_csv_streams_everyone_with_limit_0(store: dict[str, str]) -> None:
    result = _run(store, "audience", "winback-90", "--format", "csv", "--limit", "0")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["external_id"] for row in rows] == ["lapsed", "lapsed-too"]


def test_audience_of_every_campaign(store: dict[str, str]) -> None:
    result = _run(store, "audience", "--format", "json")
    sizes = {entry["campaign"]: entry["count"] for entry in json.loads(result.stdout)["campaigns"]}
    assert sizes["winback-90"] == 2
    assert len(sizes) == 8


def test_audience_unknown_campaign_is_a_usage_error(store: dict[str, str]) -> None:
    result = _run(store, "audience", "winback-9")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown campaign 'winback-9'; known: birthday-reward, ")
    assert result.stdout == ""


def test_explain_text_tree(store: dict[str, str]) -> None:
    result = _run(store, "explain", "winback-90", "lapsed")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "winback-90 for customer lapsed at 2026-11-23T09:00:00Z (not enrolled)"
    assert lines[1:4] == [
        "├── ✓ audience",
        "│   └── ✓ all of: 3 of 3 passed: pass",
        "│       ├── ✓ last activity 2026-07-26, 120 days ago; wanted at least 90d: pass",
    ]
    assert "│       └── ✓ customer is subscribed; wanted subscribed: true: pass" in lines
    assert lines[-1] == "└── step last-call: when: no condition (always)"


def test_explain_uses_the_enrolment_for_since_enrolled(store: dict[str, str], store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        connection.execute(insert(Enrollment).values(
            campaign_id="winback-90", campaign_version="v", customer_id=2, status="active",
            enrolled_at=datetime(2026, 11, 1, 9)))
    result = _run(store, "explain", "winback-90", "active", "--format", "json")
    explanation = json.loads(result.stdout)
    assert explanation["enrollment"] == {"enrolled_at": "2026-11-01T09:00:00", "status": "active"}
    sections = {section["label"]: section for section in explanation["sections"]}
    assert list(sections) == ["audience", "exit", "goal (within 30d of enrolment)", "step miss-you: when",
                              "step offer: when", "step last-call: when"]
    assert sections["audience"]["passed"] is False
    assert sections["exit"]["passed"] is True
    login = sections["exit"]["condition"]["children"][0]
    assert login == {"kind": "event", "passed": True, "decided_by": 1, "children": [],
                     "description": "login since enrolled (2026-11-01 09:00): 1 event, latest 2026-11-20 09:00; "
                                    "wanted count >= 1: pass"}
    assert sections["step offer: when"] == {"label": "step offer: when", "passed": None, "condition": None}


def test_explain_unknown_customer_exits_1(store: dict[str, str]) -> None:
    result = _run(store, "explain", "winback-90", "nobody")
    assert result.exit_code == 1
    assert result.stderr == "error: no customer with external id 'nobody' in the store\n"


def test_explain_unknown_campaign_is_a_usage_error(store: dict[str, str]) -> None:
    result = _run(store, "explain", "nope", "lapsed")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown campaign 'nope'; known: ")
