"""One scheduled cycle, as `rekindle run` and `rekindle worker` both do it: a tick under the run lock, then
the outbox is sent, the run's row records both, and every failure is reported.

The deliveries of campaigns that are disabled in their rule file are held like those of paused campaigns
(engine/store/pauses.py): queued mail of a campaign switched off is not sent, and goes out once it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from engine.delivery.backends.base import Backend
from engine.delivery.dispatch import DispatchSummary, dispatch
from engine.observability import failures as failure_report
from engine.observability.failures import Failure
from engine.observability.logs import bound
from engine.project import Project
from engine.runner.lock import RunLocked, run_lock
from engine.runner.options import RunOptions
from engine.runner.outcome import delivery_failures, record_delivery
from engine.runner.parallel import Crew
from engine.runner.render import compose_renderer
from engine.runner.summary import RunSummary
from engine.runner.tick import run_tick

log = logging.getLogger("rekindle.run")


@dataclass
class Cycle:
    """What one cycle did. `skipped` says why no tick ran (another run holds the lock)."""

    summary: RunSummary | None = None
    delivery: DispatchSummary | None = None
    status: str = "skipped"
    skipped: str | None = None
    failures: list[Failure] = field(default_factory=list)
    failure_total: int = 0

    @property
    def unavailable(self) -> bool:
        return self.delivery is not None and self.delivery.unavailable is not None


def disabled_campaigns(project: Project) -> tuple[str, ...]:
    return tuple(c.id for c in project.campaigns if not c.enabled)


def run_cycle(
    project: Project,
    engine: Engine,
    options: RunOptions,
    backend: Backend | None,
    *,
    secret: bytes | None = None,
    wait: float = 0.0,
    keep_going: Callable[[], bool] = lambda: True,
    batch_size: int = 100,
    workers: int = 1,
    under_lock: Callable[[], None] = lambda: None,
) -> Cycle:
    """Tick at `options.now` and, with a `backend`, send what is due. Failures go to stderr (capped)."""
    cycle = Cycle()
    with engine.connect() as conn:
        try:
            with run_lock(conn, wait):
                under_lock()  # e.g. the template checks: after the lock, so slow checks never pile runs up
                with Crew(engine, project, secret, workers) as crew:  # render beside the tick (parallel.py)
                    cycle.summary = run_tick(conn, project, options, compose_renderer(project, options.now, secret),
                                             crew=crew)
        except RunLocked as exc:
            cycle.skipped = str(exc)
            return cycle
    with bound(run_id=cycle.summary.run_id):
        _send_and_report(cycle, project, engine, options, backend, keep_going, batch_size)
    return cycle


def _send_and_report(cycle: Cycle, project: Project, engine: Engine, options: RunOptions, backend: Backend | None,
                     keep_going: Callable[[], bool], batch_size: int) -> None:
    summary = cycle.summary
    assert summary is not None, "the tick ran"
    cycle.status = summary.status
    cycle.failures = list(summary.failures)
    cycle.failure_total = summary.total("render_failed") + summary.total("campaign_failed")
    if backend is not None:
        cycle.delivery = dispatch(engine, backend, now=options.now, hold=disabled_campaigns(project),
                                  categories=project.categories(), keep_going=keep_going, batch_size=batch_size)
        with engine.begin() as conn:
            cycle.status = record_delivery(conn, summary, cycle.delivery)
            cycle.failures += delivery_failures(conn, project, cycle.delivery)
        cycle.failure_total += cycle.delivery.failed
    failure_report.report(cycle.failures, cycle.failure_total)
    log.info("run finished", extra={"event": "run.finished", "status": cycle.status,
                                    "totals": summary.to_dict()["totals"],
                                    "delivery": _delivery_counts(cycle.delivery)})


def _delivery_counts(delivery: DispatchSummary | None) -> dict[str, object] | None:
    if delivery is None:
        return None
    return {key: getattr(delivery, key) for key in ("sent", "failed", "deferred", "suppressed", "unavailable")}
