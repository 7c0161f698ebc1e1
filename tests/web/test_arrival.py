"""Enrolment on arrival: an event posted to /v1/events enrols its customer into the campaigns it triggers at
once, by the tick's own rules, never twice, and sends nothing; the next run or the worker sends the first step."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import func, select

from engine.config.schedule import parse_cadence
from engine.delivery.backends.memory import MemoryBackend
from engine.operations.status import last_runs
from engine.project import load_project
from engine.runner.worker import Worker, WorkerOptions
from engine.store.models import Customer, Decision, Delivery, Enrollment, Run
from engine.timeutil import parse_instant
from tests.web.kit import API_TOKEN, NOW, SECRET, WebKit
from tests.web.server import serving

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
AT = parse_instant(NOW)


def triggered(kit: WebKit, enrol: str = "on_arrival", extra: str = "") -> None:
    """A campaign started by `onboarding_completed` (and only for customers who have one in the last week)."""
    (kit.root / "rules" / "celebrate.yaml").write_text(
        "version: 1\nid: celebrate\n"
        f"trigger: {{event: onboarding_completed, enrol: {enrol}}}\n{extra}"
        "audience:\n  all:\n    - event: {name: onboarding_completed, within: 7d}\n    - subscribed: true\n"
        "steps:\n  - {id: hello, template: news/hello}\n", encoding="utf-8")


def event(customer: str, name: str = "onboarding_completed", event_id: str | None = None) -> dict:
    return {"customer_id": customer, "name": name, "occurred_at": NOW, "event_id": event_id or f"{name}-{customer}"}


def decisions(kit: WebKit) -> list[tuple]:
    return kit.rows(select(Decision.customer_id, Decision.decision, Decision.reason, Run.kind)
                    .join(Run, Run.id == Decision.run_id)
                    .where(Decision.campaign_id == "celebrate").order_by(Decision.id))


def celebrate_deliveries(kit: WebKit) -> list[tuple]:
    return kit.rows(select(Delivery.customer_id, Delivery.status).where(Delivery.campaign_id == "celebrate")
                    .order_by(Delivery.id))


def test_an_event_enrols_its_customer_at_once_and_the_next_run_sends_once(kit: WebKit) -> None:
    triggered(kit)
    kit.customers(3)
    client = kit.client(clock=lambda: AT)
    batch = [event("c0"), event("c1", "login")]
    first = client.post("/v1/events", json=batch, headers=AUTH)
    assert first.status_code == 200 and first.json()["enrolled"] == {"celebrate": 1}
    assert decisions(kit) == [(1, "enrolled", "the audience matched", "arrival")]
    assert kit.rows(select(Enrollment.customer_id, Enrollment.status, Enrollment.next_step_id,
                           Enrollment.next_due_at).where(Enrollment.campaign_id == "celebrate")) == [
        (1, "active", "hello", AT.replace(tzinfo=None))]
    assert celebrate_deliveries(kit) == []  # enrolling sends nothing

    again = client.post("/v1/events", json=batch, headers=AUTH)  # a client's retry
    assert again.json()["duplicates"] == 2 and again.json()["enrolled"] == {"celebrate": 0}
    assert len(decisions(kit)) == 1

    with kit.store.connect() as conn:
        assert last_runs(conn, 5) == []  # `rekindle status` watches the schedule's ticks, not arrivals
    kit.rekindle("run", "--now", NOW)
    kit.rekindle("run", "--now", NOW)
    with kit.store.connect() as conn:
        assert [run["totals"].get("enrolled") for run in last_runs(conn, 5)] == [None, 6]  # 3 in news, 3 in offers
    assert celebrate_deliveries(kit) == [(1, "sent")]
    assert [d[:2] for d in decisions(kit)] == [(1, "enrolled"), (1, "queued"), (1, "completed")]
    assert kit.scalar(select(Enrollment.status).where(Enrollment.campaign_id == "celebrate")) == "completed"


def test_arrival_keeps_to_groups_and_the_control_group(kit: WebKit) -> None:
    # `news` (same group, higher priority) has c0..c5 since the last run; the control group holds about half.
    news = kit.root / "rules" / "news.yaml"
    text = news.read_text(encoding="utf-8").replace("category:", "group: g\npriority: 9\ncategory:")
    news.write_text(text + "  - {id: later, wait: 7d, template: news/hello}\n", encoding="utf-8")  # stays active
    triggered(kit, extra="group: g\nholdout: 0.5\n")
    kit.customers(6)
    kit.rekindle("run", "--now", NOW, "--no-send", "--campaign", "news")
    people = kit.customers(18)
    response = kit.client(clock=lambda: AT).post("/v1/events", json=[event(cid) for cid, _ in people], headers=AUTH)
    assert response.json()["enrolled"] == {"celebrate": 12}
    held = dict(kit.rows(select(Enrollment.customer_id, Enrollment.holdout)
                         .where(Enrollment.campaign_id == "celebrate")))
    entered = kit.rows(select(Customer.external_id).where(Customer.id.in_(held)).order_by(Customer.external_id))
    assert entered == sorted((f"c{i}",) for i in range(6, 18))  # c0..c5 are in `news`
    made = {customer: (decision, reason) for customer, decision, reason, _ in decisions(kit)}
    assert made == {customer: ("held_out", "in the 50% control group: enrolled, never mailed") if holdout
                    else ("enrolled", "the audience matched") for customer, holdout in held.items()}
    assert 0 < sum(held.values()) < 12


def test_a_trigger_without_on_arrival_waits_for_the_run(kit: WebKit) -> None:
    triggered(kit, enrol="next_run")
    kit.customers(1)
    response = kit.client(clock=lambda: AT).post("/v1/events", json=[event("c0")], headers=AUTH)
    assert response.json()["enrolled"] == {}
    assert decisions(kit) == [] and kit.count(Run) == 0
    kit.rekindle("run", "--now", NOW, "--no-send")
    assert decisions(kit)[0][1:] == ("enrolled", "the audience matched", "tick")


def test_a_paused_or_disabled_campaign_is_not_enrolled_on_arrival(kit: WebKit) -> None:
    triggered(kit)
    kit.customers(1)
    kit.rekindle("pause", "celebrate", "--reason", "test")
    response = kit.client(clock=lambda: AT).post("/v1/events", json=[event("c0")], headers=AUTH)
    assert response.json()["enrolled"] == {} and decisions(kit) == []


class PostsWhileAsleep:
    """A simulated clock (time moves only when the worker sleeps); during its first sleep an event arrives."""

    def __init__(self, start: datetime, arrive) -> None:
        self.moment, self.arrive, self.slept_to = start, arrive, []

    def now(self) -> datetime:
        return self.moment

    def sleep_until(self, moment: datetime, stop: threading.Event) -> None:
        if not self.slept_to:
            self.arrive(self.moment + timedelta(seconds=30))
        self.slept_to.append(moment)
        self.moment = max(self.moment, moment)


def test_the_worker_sends_an_arrival_at_its_next_wake_up(kit: WebKit) -> None:
    triggered(kit)
    kit.customers(1)
    app_clock = [AT]
    client = kit.client(clock=lambda: app_clock[-1])

    def arrive(moment: datetime) -> None:
        app_clock.append(moment)
        assert client.post("/v1/events", json=[event("c0")], headers=AUTH).json()["enrolled"] == {"celebrate": 1}

    clock = PostsWhileAsleep(AT, arrive)
    options = WorkerOptions(parse_cadence("every 1d at 09:00"), send_every=timedelta(minutes=1),
                            until=AT + timedelta(minutes=3))
    Worker(load_project(kit.config), kit.store, MemoryBackend(outbox=[]), options, clock=clock,
           secret=SECRET.encode()).run()
    assert kit.rows(select(Delivery.customer_id, Delivery.status, Delivery.sent_at)
                    .where(Delivery.campaign_id == "celebrate")) == [
        (1, "sent", (AT + timedelta(minutes=1)).replace(tzinfo=None))]
    # A tick at start, the arrival, a tick at the first wake-up (it found the arrival due), then only sends.
    assert kit.rows(select(Run.kind, Run.now).order_by(Run.id)) == [
        ("tick", AT.replace(tzinfo=None)), ("arrival", (AT + timedelta(seconds=30)).replace(tzinfo=None)),
        ("tick", (AT + timedelta(minutes=1)).replace(tzinfo=None))]


def test_concurrent_posts_over_real_http_enrol_each_customer_once(kit: WebKit, tmp_path: Path) -> None:
    """Every event posted twice at once, to a real server (several threads enrolling concurrently): one
    enrolment and one decision per customer, and the next run mails each of them once."""
    triggered(kit)
    people = kit.customers(50)
    moment = datetime.now(timezone.utc).replace(microsecond=0).isoformat()  # the server runs on the wall clock

    async def post_all(base: str) -> list[dict]:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            posts = [client.post("/v1/events", headers=AUTH, json={**event(cid), "occurred_at": moment})
                     for cid, _ in people for _ in range(2)]
            return [response.json() for response in await asyncio.gather(*posts)]

    with serving(kit.config, tmp_path / "serve.log") as base:
        answers = asyncio.run(post_all(base))
    assert sum(answer["enrolled"]["celebrate"] for answer in answers) == 50
    assert sorted(d[1] for d in decisions(kit)) == ["enrolled"] * 50
    assert kit.scalar(select(func.count(func.distinct(Decision.customer_id)))
                      .where(Decision.campaign_id == "celebrate")) == 50
    kit.rekindle("run")
    kit.rekindle("run")
    assert sorted(status for _, status in celebrate_deliveries(kit)) == ["sent"] * 50
    assert kit.scalar(select(func.count(func.distinct(Delivery.customer_id)))
                      .where(Delivery.campaign_id == "celebrate")) == 50
