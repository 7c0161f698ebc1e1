"""Pause and resume from the store: at once, for enrolment, due steps and queued mail; a paused or disabled
campaign's deliveries are held, not sent, and go out where they were once it is back."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.delivery.backends.memory import MemoryBackend
from engine.delivery.dispatch import dispatch
from engine.delivery.testing import queue_deliveries
from engine.store import pauses
from engine.store.database import open_engine
from engine.store.models import CampaignPause, Customer, Delivery
from tests.runner.cliproject import TWO_STEPS, write_project

NOW = "2026-11-23T10:00:00Z"
LATER = "2026-11-25T10:00:00Z"


def rekindle(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def outbox(url: str) -> dict[tuple[str, str], int]:
    engine = open_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.step_id, Delivery.status, func.count())
                            .group_by(Delivery.step_id, Delivery.status)).all()
    engine.dispose()
    return {(step, status): count for step, status, count in rows}


def add_customer(url: str, external_id: str) -> None:
    engine = open_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Customer.__table__).values(
            external_id=external_id, email=f"{external_id}@test.example", first_name="New", timezone="UTC",
            created_at=datetime(2026, 11, 24), subscribed=True, attributes={}))
    engine.dispose()


def test_a_paused_campaign_is_held_everywhere_and_resumes_where_it_was(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = str(write_project(tmp_path, store_url, customers=4))
    assert rekindle("run", "-c", config, "--now", NOW, "--no-send").exit_code == 0
    paused = rekindle("pause", "nudge", "--reason", "wrong discount in the offer", "--by", "alice", "-c", config,
                      "--now", "2026-11-23T10:30:00Z")
    assert paused.stdout == ("Paused campaign nudge: 4 queued deliveries are held. "
                             "Resume with `rekindle resume nudge`.\n")
    sent = rekindle("send", "-c", config, "--now", "2026-11-23T10:31:00Z")
    assert (sent.exit_code, sent.stdout) == (0, "Nothing to send via maildir " + str(tmp_path / "outbox") + ".\n")
    add_customer(store_url, "newcomer")
    held = rekindle("run", "-c", config, "--now", LATER, "--format", "json")
    assert held.exit_code == 0, held.output
    document = json.loads(held.stdout)
    assert document["campaigns"]["nudge"]["status"] == "paused" and document["totals"] == {}
    assert outbox(store_url) == {("first", "queued"): 4}
    status = json.loads(rekindle("status", "-c", config, "--now", LATER, "-f", "json", "--no-relay").stdout)
    assert status["paused"] == [{"campaign": "nudge", "reason": "wrong discount in the offer", "by": "alice",
                                 "since": "2026-11-23T10:30:00Z"}]
    assert status["outbox"]["held"] == 4 and status["outbox"]["oldest_due_since"] is None

    resumed = rekindle("resume", "nudge", "--by", "bob", "-c", config, "--now", "2026-11-25T10:05:00Z")
    assert resumed.stdout == "Resumed nudge.\n"
    assert rekindle("send", "-c", config, "--now", "2026-11-25T10:06:00Z").exit_code == 0
    assert outbox(store_url) == {("first", "sent"): 4}
    carried_on = json.loads(rekindle("run", "-c", config, "--now", "2026-11-25T10:10:00Z", "-f", "json").stdout)
    assert carried_on["campaigns"]["nudge"]["steps"] == {"": {"enrolled": 1, "completed": 4}, "first": {"queued": 1},
                                                        "second": {"queued": 4}}
    assert outbox(store_url) == {("first", "sent"): 5, ("second", "sent"): 4}
    history = json.loads(rekindle("history", "--campaign", "nudge", "-c", config, "--now", LATER, "-f", "json",
                                  "--since", "2026-11-01T00:00:00Z").stdout)
    assert history["pauses"] == [{"campaign": "nudge", "reason": "wrong discount in the offer", "by": "alice",
                                  "paused_at": "2026-11-23T10:30:00Z", "resumed_by": "bob",
                                  "resumed_at": "2026-11-25T10:05:00Z"}]


def test_a_disabled_campaigns_queued_mail_is_held_until_it_is_enabled_again(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = write_project(tmp_path, store_url, customers=4)
    assert rekindle("run", "-c", str(config), "--now", NOW, "--no-send").exit_code == 0
    rule = tmp_path / "rules" / "nudge.yaml"
    rule.write_text(TWO_STEPS.replace("name: Nudge\n", "name: Nudge\nenabled: false\n"))
    assert rekindle("run", "-c", str(config), "--now", "2026-11-23T11:00:00Z").exit_code == 0
    assert rekindle("send", "-c", str(config), "--now", "2026-11-23T11:00:00Z").exit_code == 0
    assert outbox(store_url) == {("first", "queued"): 4}
    rule.write_text(TWO_STEPS)
    assert rekindle("send", "-c", str(config), "--now", "2026-11-23T12:00:00Z").exit_code == 0
    assert outbox(store_url) == {("first", "sent"): 4}


def test_the_kill_switch_stops_a_running_sender_at_its_next_batch(store_engine):
    now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    queue_deliveries(store_engine, [f"a{i}@example.com" for i in range(6)], now, campaign_id="a")
    queue_deliveries(store_engine, [f"b{i}@example.com" for i in range(3)], now, campaign_id="b")

    def pull_the_switch(summary) -> None:
        if summary.claimed == 2:
            with store_engine.begin() as conn:
                pauses.pause(conn, pauses.ALL, "incident 42", "oncall", now.replace(tzinfo=None))

    summary = dispatch(store_engine, MemoryBackend(outbox=[]), now=now, batch_size=2, on_batch=pull_the_switch)
    assert (summary.claimed, summary.sent) == (2, 2)
    with store_engine.begin() as conn:
        assert pauses.resume(conn, None, "oncall", now.replace(tzinfo=None)) == ["*"]
        conn.execute(insert(CampaignPause.__table__).values(
            campaign_id="a", reason="only a", paused_by="oncall", paused_at=now.replace(tzinfo=None)))
    rest = dispatch(store_engine, MemoryBackend(outbox=[]), now=now, batch_size=2)
    assert rest.sent == 3  # b's three; a's four stay held
    with store_engine.connect() as conn:
        left = dict(conn.execute(select(Delivery.campaign_id, func.count()).where(Delivery.status == "queued")
                                 .group_by(Delivery.campaign_id)).all())
    assert left == {"a": 4}


def test_pause_and_resume_say_exactly_what_is_wrong(tmp_path, store_url):
    config = str(write_project(tmp_path, store_url, customers=0))
    unknown = rekindle("pause", "nudg", "--reason", "x", "-c", config)
    assert (unknown.exit_code, unknown.stderr) == (2, "error: unknown campaign 'nudg'; known: nudge\n")
    assert rekindle("pause", "--all", "--reason", "incident", "--by", "ops", "-c", config,
                    "--now", NOW).exit_code == 0
    again = rekindle("pause", "--all", "--reason", "again", "-c", config)
    assert (again.exit_code, again.stderr) == (
        1, "error: every campaign is already paused since 2026-11-23 10:00 UTC by ops: incident\n")
    both = rekindle("pause", "nudge", "--all", "--reason", "x", "-c", config)
    assert (both.exit_code, both.stderr) == (2, "error: name one campaign to pause, or --all (not both)\n")
    assert rekindle("resume", "--all", "-c", config).stdout == "Resumed every campaign (the kill switch).\n"
    nothing = rekindle("resume", "nudge", "-c", config)
    assert (nothing.exit_code, nothing.stderr) == (2, "error: nothing to resume: no campaign is paused\n")
