"""`rekindle preview CAMPAIGN [STEP]`: the customer from the store, or the example CSV when there is no store."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy
from pathlib import Path

from sqlalchemy.orm import Session

from engine.store.models import Customer
from engine.suppression.tokens import verify
from tests.preview.kit import NOW, invoke, make_project


def _add_customer(engine, **fields) -> None:
    with Session(engine) as session:
        session.add(Customer(created_at=datetime(2024, 5, 1), subscribed=True, **fields))
        session.commit()


def test_customer_from_the_store(store_engine, tmp_path: Path) -> None:
    config = make_project(tmp_path, store_engine.url.render_as_string(hide_password=False))
    _add_customer(store_engine, external_id="db-7", email="katherine@example.com", first_name="Katherine",
                  last_name="Johnson", locale="en-US", timezone="America/New_York", attributes={"plan": "pro"})
    result = invoke("winback-90", "offer", "--customer", "db-7", "--now", NOW, "--config", str(config))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:8] == [
        "Campaign:  winback-90 (Win back after 90 days)",
        "Step:      offer (2 of 3)",
        "Template:  winback/offer",
        "Customer:  db-7 <katherine@example.com> (from the store)",
        "From:      Ana at Acme <ana@acme.example>",
        "To:        Katherine Johnson <katherine@example.com>",
        "Subject:   $20 off your next month, Katherine",
        "Preheader: Because I'd like you to give us another try.",
    ]
    assert "Here's $20 off your next month." in result.stdout


def test_unknown_customer_in_a_non_empty_store(store_engine, tmp_path: Path) -> None:
    config = make_project(tmp_path, store_engine.url.render_as_string(hide_password=False))
    _add_customer(store_engine, external_id="db-1", email="a@example.com", attributes={})
    result = invoke("welcome", "--customer", "csv_1", "--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: customer 'csv_1' not found in the store"


def test_no_store_falls_back_to_the_example_csv_without_creating_a_database(tmp_path: Path) -> None:
    database = tmp_path / "missing.db"
    config = make_project(tmp_path, f"sqlite:///{database}")
    result = invoke("signup-anniversary", "--customer", "csv_1", "--now", NOW, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "Customer:  csv_1 <grace@example.com> (from examples/data/customers.csv)" in result.stdout
    assert "Subject:   2 years together, Grace" in result.stdout
    assert "On February 1, 2024 you created your account." in result.stdout
    assert not database.exists()


def test_empty_store_falls_back_to_the_example_csv(store_engine, tmp_path: Path) -> None:
    config = make_project(tmp_path, store_engine.url.render_as_string(hide_password=False))
    result = invoke("welcome", "hello", "--customer", "csv_2", "--now", NOW, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "Subject:   Welcome to Acme, there" in result.stdout
    assert "(from examples/data/customers.csv)" in result.stdout


def test_html_and_eml_files(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    html, eml = tmp_path / "out" / "offer.html", tmp_path / "out" / "offer.eml"
    result = invoke("winback-90", "offer", "--customer", "csv_1", "--now", NOW, "--html", str(html),
                    "--eml", str(eml), "--config", str(config))
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["Subject"] == "$20 off your next month, Grace"
    assert message["Date"] == "Mon, 23 Nov 2026 09:00:00 +0000"
    assert message["Message-ID"] == "<preview.winback-90.offer.csv_1@acme.example>"
    assert message.get_body(("html",)).get_content().replace("\r\n", "\n") == html.read_text(encoding="utf-8")
    token = message["List-Unsubscribe"].split("token=")[1].rstrip(">")
    assert verify(token, b"preview-test-secret") == ("csv_1", "grace@example.com")
    assert f"wrote {html}" in result.stderr and f"wrote {eml}" in result.stderr


def test_variant_is_chosen_and_unknown_names_are_usage_errors(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    ok = invoke("upsell-heavy-users", "upgrade", "--variant", "unlock", "--customer", "csv_1", "--config", str(config))
    assert ok.exit_code == 0 and "Subject:   Unlock unlimited projects with Pro" in ok.stdout
    assert "Step:      upgrade (1 of 1), variant unlock" in ok.stdout
    cases = [
        (["nope"], "error: unknown campaign 'nope'; known: birthday-reward, feedback-request, onboarding-complete, "
                   "referral-ask, signup-anniversary, upsell-heavy-users, welcome, winback-90"),
        (["welcome", "nope"], "error: campaign 'welcome' has no step 'nope'; steps: hello, getting-started"),
        (["welcome", "--variant", "b"], "error: step 'hello' has no variant 'b'; variants: none"),
        ([], "error: name a CAMPAIGN to preview, or use --gallery DIR"),
    ]
    for args, message in cases:
        result = invoke(*args, "--config", str(config))
        assert (result.exit_code, result.stderr.strip()) == (2, message)


def test_template_error_is_a_located_diagnostic_not_a_traceback(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    offer = tmp_path / "templates" / "winback" / "offer.html"
    offer.write_text(offer.read_text().replace("{{ button(", "{{ vars.coupon_code }}\n{{ button("), encoding="utf-8")
    result = invoke("winback-90", "offer", "--customer", "csv_1", "--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "templates/winback/offer.html:11:1: T302 undefined variable: 'dict object' has no attribute 'coupon_code'; "
        "use `| default(...)` for an optional value",
        "error: the email failed to render",
    ]


def test_an_address_that_would_inject_headers_is_refused(store_engine, tmp_path: Path) -> None:
    config = make_project(tmp_path, store_engine.url.render_as_string(hide_password=False))
    _add_customer(store_engine, external_id="evil", email="a@example.com\r\nBcc: x@evil.example", attributes={})
    result = invoke("welcome", "--customer", "evil", "--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: customer 'evil' cannot be mailed: an email address must be a single line "
                                     "without control characters: 'a@example.com\\r\\nBcc: x@evil.example'")


def test_a_relative_sqlite_store_is_found_from_the_config_folder(tmp_path: Path, monkeypatch) -> None:
    """Like every other command, preview reads `sqlite:///store.db` next to rekindle.yaml, not in the cwd."""
    from engine.store.database import open_engine
    from engine.store.migrate import upgrade

    project = tmp_path / "project"
    project.mkdir()
    config = make_project(project, "sqlite:///store.db")
    engine = open_engine(f"sqlite:///{project / 'store.db'}")
    upgrade(engine)
    _add_customer(engine, external_id="rel-1", email="mary@example.com", first_name="Mary", attributes={})
    engine.dispose()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = invoke("welcome", "--customer", "rel-1", "--now", NOW, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "Customer:  rel-1 <mary@example.com> (from the store)" in result.stdout
    assert not (elsewhere / "store.db").exists()
