"""The render queue (engine/runner/render_queue.py): decided deliveries wait in status `rendering`, renderers
claim them in batches under a lease, and every one is rendered and queued exactly once, whoever renders and
whoever dies on the way. Real processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import signal
from datetime import timedelta

from sqlalchemy import func, select, update

from engine.runner.parallel import renderers
from engine.runner.render_queue import LEASE, RENDERING, claim, drain, render_claimed, wall_clock
from engine.store.models import Delivery
from tests.runner.kit import at, campaign_doc
from tests.runner.render_workers import claim_and_hang, render_and_report

NOW = at("2026-11-23T09:00:00Z")


def _decided_not_rendered(kit, customers: int = 90) -> dict[tuple[int, str], bytes]:
    """A store as a tick leaves it when it is stopped right after deciding: every due email waits in
    `rendering`. Returns the bytes the tick rendered, to compare with what the renderers write."""
    kit.use(campaign_doc("two-step", [{"id": "hello", "template": "t/hello"}, {"id": "again", "template": "t/again"}]))
    kit.customers(*({"external_id": f"c{i:03d}"} for i in range(customers)))
    assert kit.run(NOW).total("queued") == 2 * customers
    with kit.engine.begin() as conn:
        rendered = {(r.enrollment_id, r.step_id): r.message for r in conn.execute(
            select(Delivery.enrollment_id, Delivery.step_id, Delivery.message))}
        conn.execute(update(Delivery).values(status=RENDERING, message=None, subject=None))
    return rendered


def _state(kit) -> tuple[dict[tuple[int, str], bytes], dict[str, int]]:
    with kit.engine.connect() as conn:
        rows = conn.execute(select(Delivery.enrollment_id, Delivery.step_id, Delivery.message, Delivery.status)).all()
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    return {(r.enrollment_id, r.step_id): r.message for r in rows}, statuses


def test_two_processes_claiming_at_once_render_each_delivery_once_and_lose_none(kit) -> None:
    expected = _decided_not_rendered(kit)
    context = multiprocessing.get_context("spawn")
    start, out = context.Event(), context.Queue()
    url = kit.engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=render_and_report, args=(url, kit.project, start, out, 7)) for _ in range(2)]
    for worker in workers:
        worker.start()
    start.set()
    got = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join()
    assert [w.exitcode for w in workers] == [0, 0]
    assert not set(got[0]) & set(got[1])  # never the same delivery twice
    assert len(got[0]) + len(got[1]) == len(expected) == 180  # none lost
    written, statuses = _state(kit)
    assert statuses == {"queued": 180}
    assert written == expected  # byte for byte what the tick rendered itself


def test_a_renderer_killed_mid_batch_loses_nothing_once_its_lease_expires(kit) -> None:
    expected = _decided_not_rendered(kit, customers=30)
    context = multiprocessing.get_context("spawn")
    claimed = context.Event()
    url = kit.engine.url.render_as_string(hide_password=False)
    doomed = context.Process(target=claim_and_hang, args=(url, claimed, 25))
    doomed.start()
    assert claimed.wait(120)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.join()
    campaigns = {c.id: c for c in kit.project.campaigns}
    with kit.engine.connect() as conn:
        assert drain(conn, campaigns, renderers(kit.project, None)) == 60 - 25  # the dead one's lease holds
    written, statuses = _state(kit)
    assert statuses == {"queued": 35, RENDERING: 25}
    with kit.engine.connect() as conn:  # a lease later, another renderer takes the batch over
        jobs = claim(conn, "rescuer/1", 100, wall=wall_clock() + LEASE + timedelta(seconds=1))
        assert len(jobs) == 25
        render_claimed(conn, campaigns, renderers(kit.project, None), "rescuer/1", jobs)
        conn.commit()
        pairs = conn.execute(select(func.count()).select_from(
            select(Delivery.enrollment_id, Delivery.step_id).distinct().subquery())).scalar_one()
    written, statuses = _state(kit)
    assert statuses == {"queued": 60} and pairs == 60  # exactly one delivery per (enrolment, step)
    assert written == expected


def test_a_renderer_whose_lease_was_taken_over_writes_nothing(kit) -> None:
    _decided_not_rendered(kit, customers=3)
    campaigns = {c.id: c for c in kit.project.campaigns}
    render_for = renderers(kit.project, None)
    with kit.engine.connect() as conn:
        slow = claim(conn, "slow/1", 10)
        conn.commit()
        fast = claim(conn, "fast/1", 10, wall=wall_clock() + LEASE + timedelta(seconds=1))
        conn.commit()
        assert [job.id for job in fast] == [job.id for job in slow]
        render_claimed(conn, campaigns, render_for, "slow/1", slow)  # it rendered, but ...
        assert conn.execute(select(func.count()).select_from(Delivery).where(
            Delivery.status == "queued")).scalar_one() == 0  # ... wrote nothing: the row is not its own any more
        render_claimed(conn, campaigns, render_for, "fast/1", fast)
        conn.commit()
    assert _state(kit)[1] == {"queued": 6}
