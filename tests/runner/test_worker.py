"""The worker on a simulated clock: it meets a send window that a daily cron misses, ticks on its schedule,
and stops when told without starting new work."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select

from engine.config.schedule import parse_cadence
from engine.delivery.backends.memory import MemoryBackend
from engine.runner.cycle import run_cycle
from engine.runner.options import RunOptions
from engine.runner.worker import Worker, WorkerOptions
from engine.store.models import Delivery, Run
from tests.runner.kit import at, campaign_doc

WINDOWED = campaign_doc(
    "morning", [{"id": "hello", "template": "t/hello"}],
    send_window={"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "10:00", "end": "18:00",
                 "timezone": "UTC"},
)
DAILY_AT_NINE = parse_cadence("every 1d at 09:00")


class SimulatedClock:
    """Time moves only when the worker sleeps: it jumps to the moment asked for (a frozen clock)."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        self.slept_to: list[datetime] = []

    def now(self) -> datetime:
        return self.moment

    def sleep_until(self, moment: datetime, stop: threading.Event) -> None:
        self.slept_to.append(moment)
        self.moment = max(self.moment, moment)


def sent(kit) -> list[tuple[str, datetime]]:
    with kit.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Delivery.status, Delivery.sent_at).order_by(Delivery.id))]


def test_a_daily_cron_never_meets_a_window_that_opens_after_it(kit):
    kit.use(WINDOWED)
    kit.customers({"external_id": "ann"}, {"external_id": "bob"})
    backend = MemoryBackend(outbox=[])
    for moment in DAILY_AT_NINE.ticks(at("2026-11-23T00:00:00Z"), at("2026-11-26T00:00:00Z")):
        run_cycle(kit.project, kit.engine, RunOptions(now=moment), backend)
    assert sent(kit) == []
    assert backend.outbox == []
    assert [d.reason for d in kit.decisions("deferred_window")][-2:] == [
        "outside the send window; next opening 2026-11-25T10:00:00Z"] * 2


def test_the_worker_meets_it_at_the_opening(kit):
    kit.use(WINDOWED)
    kit.customers({"external_id": "ann"}, {"external_id": "bob"})
    backend = MemoryBackend(outbox=[])
    clock = SimulatedClock(at("2026-11-23T09:00:00Z"))
    options = WorkerOptions(DAILY_AT_NINE, send_every=timedelta(hours=1), until=at("2026-11-23T12:00:00Z"))
    health = Worker(kit.project, kit.engine, backend, options, clock=clock).run()
    opening = datetime(2026, 11, 23, 10, 0)
    assert sent(kit) == [("sent", opening), ("sent", opening)]
    assert len(backend.outbox) == 2
    # It ticked at 09:00 (start: deferred) and at 10:00 (the deferred step came due), and it woke hourly to send.
    with kit.engine.connect() as conn:
        assert list(conn.execute(select(Run.now, Run.status).order_by(Run.id))) == [
            (datetime(2026, 11, 23, 9, 0), "finished"), (opening, "finished")]
    assert clock.slept_to == [at("2026-11-23T10:00:00Z"), at("2026-11-23T11:00:00Z"), at("2026-11-23T12:00:00Z")]
    assert (health.state, health.ticks, health.sends) == ("stopped", 2, 2)


def test_the_worker_ticks_on_its_schedule_between_sends(kit):
    kit.use(campaign_doc("plain"))
    kit.customers({"external_id": "ann"})
    clock = SimulatedClock(at("2026-11-23T08:50:00Z"))
    options = WorkerOptions(parse_cadence("every 15m"), send_every=timedelta(minutes=10),
                            until=at("2026-11-23T09:31:00Z"))
    Worker(kit.project, kit.engine, MemoryBackend(outbox=[]), options, clock=clock).run()
    with kit.engine.connect() as conn:
        ticks = [row[0].strftime("%H:%M") for row in conn.execute(select(Run.now).order_by(Run.id))]
    assert ticks == ["08:50", "09:00", "09:15", "09:30"]
    assert [m.strftime("%H:%M") for m in clock.slept_to] == ["09:00", "09:10", "09:15", "09:25", "09:30"]


def test_a_stop_request_ends_the_loop_before_any_new_work(kit):
    kit.use(campaign_doc("plain"))
    kit.customers({"external_id": "ann"})
    clock = SimulatedClock(at("2026-11-23T09:00:00Z"))
    worker = Worker(kit.project, kit.engine, MemoryBackend(outbox=[]), WorkerOptions(parse_cadence("every 15m")), clock=clock)
    original = clock.sleep_until

    def stop_while_asleep(moment, stop):
        worker.request_stop()
        original(moment, stop)

    clock.sleep_until = stop_while_asleep
    health = worker.run()
    assert (health.state, health.ticks, health.sends) == ("stopped", 1, 0)


def test_the_worker_renders_a_large_tick_with_its_crew_and_sends_each_email_once(kit, monkeypatch):
    """`--workers 2`: the worker's tick hands its emails to a crew of rendering processes (engine/runner/
    parallel.py) like `rekindle run --workers 2`; every email is rendered, stored and sent exactly once."""
    import engine.runner.cycle as cycle_module
    from engine.runner.parallel import Crew

    started: list[int] = []

    class WatchedCrew(Crew):
        def grow(self, emails: int) -> None:
            super().grow(emails)
            self.note()

        def expect(self, due: int) -> None:
            super().expect(due)
            self.note()

        def note(self) -> None:
            if self.members and not started:
                started.append(len(self.members))

    monkeypatch.setattr(cycle_module, "Crew", WatchedCrew)
    kit.use(campaign_doc("plain"))
    kit.customers(*({"external_id": f"c{i:03d}"} for i in range(70)))  # above the crew's 64-email threshold
    backend = MemoryBackend(outbox=[])
    clock = SimulatedClock(at("2026-11-23T09:00:00Z"))
    options = WorkerOptions(parse_cadence("every 15m"), until=at("2026-11-23T09:05:00Z"), workers=2)
    health = Worker(kit.project, kit.engine, backend, options, clock=clock).run()
    assert started == [1]  # one process beside the tick's own
    assert [status for status, _ in sent(kit)] == ["sent"] * 70
    assert len(backend.outbox) == 70 and health.last_tick["sent"] == 70
    with kit.engine.connect() as conn:
        assert conn.execute(select(func.count(func.distinct(Delivery.message_id)))).scalar_one() == 70
