"""`rekindle suppress` and `rekindle unsubscribe`, in-process against a real store on both dialects."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store.database import open_engine
from engine.store.models import Customer, Suppression
from engine.suppression.tokens import sign
from tests.projects import write_project

NOW = "2026-11-23T09:00:00Z"
SECRET = "test-unsubscribe-secret"


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> tuple[Path, Engine]:
    config = write_project(tmp_path, {"version": 1, "store": {"url": store_url}, "delivery": {"backend": "memory"},
                                      "unsubscribe": {"secret_env": "TEST_UNSUB_SECRET"}}, migrate_store=store_url)
    engine = open_engine(store_url)
    yield config, engine
    engine.dispose()


def _run(config: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, [*args, "--config", str(config)], env=env)


def _suppressed(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Suppression.email, Suppression.reason)).all())


def test_add_lowercases_and_is_idempotent(project) -> None:
    config, engine = project
    first = _run(config, "suppress", "add", "Ann@Example.COM", "bob@example.com", "--reason", "complaint")
    again = _run(config, "suppress", "add", "ann@example.com")
    assert first.stdout == "Suppressed 2 new addresses; 0 already suppressed.\n"
    assert again.stdout == "Suppressed 0 new addresses; 1 already suppressed.\n"
    assert _suppressed(engine) == {"ann@example.com": "complaint", "bob@example.com": "complaint"}


def test_add_refuses_a_non_address_and_adds_nothing(project) -> None:
    config, engine = project
    result = _run(config, "suppress", "add", "ok@example.com", "not-an-address")
    assert result.exit_code == 1
    assert result.stderr == "error: 'not-an-address' is not an email address\n"
    assert _suppressed(engine) == {}


def test_import_reads_csv_with_reasons(project, tmp_path: Path) -> None:
    config, engine = project
    file = tmp_path / "bounces.csv"
    file.write_text("Email,Reason,Detail\nA@x.example,hard_bounce,550 5.1.1\nb@x.example,,\n")
    result = _run(config, "suppress", "import", str(file), "--reason", "imported")
    assert result.exit_code == 0, result.output
    assert _suppressed(engine) == {"a@x.example": "hard_bounce", "b@x.example": "imported"}


def test_import_reads_one_address_per_line_and_names_bad_lines(project, tmp_path: Path) -> None:
    config, engine = project
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("# from the old tool\nc@x.example\n\nD@x.example  # asked by phone\n")
    bad.write_text("e@x.example\nnot an address\nf@x.example\n")
    assert _run(config, "suppress", "import", str(good)).exit_code == 0
    result = _run(config, "suppress", "import", str(bad))
    assert result.exit_code == 1
    assert result.stderr == f"{bad}:2: 'not an address' is not an email address\n"
    assert _suppressed(engine) == {"c@x.example": "manual", "d@x.example": "manual"}


def test_list_in_every_format_and_remove(project) -> None:
    config, engine = project
    _run(config, "suppress", "add", "a@x.example", "--now", NOW)
    text = _run(config, "suppress", "list")
    as_json = _run(config, "suppress", "list", "--format", "json")
    as_csv = _run(config, "suppress", "list", "--format", "csv")
    assert text.stdout == "a@x.example  manual  2026-11-23 09:00\n"
    assert json.loads(as_json.stdout) == {"email": "a@x.example", "reason": "manual", "detail": None,
                                          "created_at": "2026-11-23T09:00:00"}
    assert as_csv.stdout == "email,reason,detail,created_at\na@x.example,manual,,2026-11-23T09:00:00\n"
    assert _run(config, "suppress", "remove", "A@x.example").stdout == "Removed a@x.example from the suppression list.\n"
    missing = _run(config, "suppress", "remove", "a@x.example")
    assert (missing.exit_code, missing.stderr) == (1, "error: a@x.example is not suppressed\n")


def _customer(engine: Engine, external_id: str, email: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Customer), {"external_id": external_id, "email": email, "subscribed": True,
                                        "created_at": datetime(2026, 1, 1), "attributes": {}})


def test_unsubscribe_marks_the_customer_and_suppresses_the_address(project) -> None:
    config, engine = project
    _customer(engine, "c-1", "Ann@Example.com")
    token = sign("c-1", "Ann@Example.com", SECRET.encode())
    env = {"TEST_UNSUB_SECRET": SECRET}
    first = _run(config, "unsubscribe", token, env=env)
    again = _run(config, "unsubscribe", token, env=env)
    assert (first.exit_code, first.stdout) == (0, "Unsubscribed ann@example.com (customer c-1).\n")
    assert (again.exit_code, again.stdout) == (0, "Already unsubscribed: ann@example.com (customer c-1).\n")
    with engine.connect() as conn:
        assert conn.execute(select(Customer.subscribed)).scalar_one() is False
    assert _suppressed(engine) == {"ann@example.com": "unsubscribe"}


def test_an_invalid_token_changes_nothing(project) -> None:
    config, engine = project
    _customer(engine, "c-1", "ann@example.com")
    forged = sign("c-1", "ann@example.com", b"another secret")
    result = _run(config, "unsubscribe", forged, env={"TEST_UNSUB_SECRET": SECRET})
    assert result.exit_code == 1
    assert result.stderr == ("error: invalid unsubscribe token: unsubscribe token signature does not match; "
                             "nothing was changed\n")
    with engine.connect() as conn:
        assert conn.execute(select(Customer.subscribed)).scalar_one() is True
    assert _suppressed(engine) == {}


def test_unsubscribe_without_the_secret_says_which_variable(project) -> None:
    config, _ = project
    result = _run(config, "unsubscribe", "abc.def", env={"TEST_UNSUB_SECRET": ""})
    assert result.exit_code == 1
    assert result.stderr == ("error: environment variable TEST_UNSUB_SECRET is not set; "
                             "it holds the unsubscribe signing secret\n")
