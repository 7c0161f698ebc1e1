"""`rekindle worker`: the run engine as a long-running process, instead of `rekindle run` from cron.

    worker = Worker(project, engine, backend, WorkerOptions(cadence), clock=WallClock())
    signal.signal(signal.SIGTERM, lambda *_: worker.request_stop())
    worker.run()

It ticks at start, then on the declared schedule (`schedule:` in rekindle.yaml, or `--every`), and in between
it wakes when work falls due: every `send_every` it sends queued mail whose (retry) time has come, and at
the moment the earliest waiting step becomes due (a send window opens, a wait or a frequency cap ends) it
runs a tick then. So a step deferred to a 10:00 window is sent at 10:00 even on a daily 09:00 schedule,
which a daily cron would miss forever. A customer enrolled on the arrival of an event (`rekindle serve`,
engine/runner/arrival.py) is such a step, found at the next `send_every` wake-up.

Stopping (`request_stop`, SIGTERM/SIGINT in the CLI) never cuts work in half: a tick in progress finishes,
a dispatch finishes the batch in hand (each outcome is committed as the relay answers) and claims no more,
then the loop ends. Nothing is lost (unclaimed mail stays queued) and nothing is doubled (claimed mail is
recorded before the process exits). After each cycle the health file, if any, says what the worker did
and when it wakes next, for a liveness probe or `cat`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError

from engine.config.schedule import Cadence
from engine.delivery.backends.base import Backend
from engine.delivery.dispatch import dispatch
from engine.project import Project
from engine.runner.cycle import disabled_campaigns, run_cycle
from engine.runner.options import RunOptions
from engine.store.models import Enrollment
from engine.timeutil import as_utc, to_naive_utc

log = logging.getLogger("rekindle.worker")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current aware UTC instant."""

    def sleep_until(self, moment: datetime, stop: threading.Event) -> None:
        """Return at `moment`, or as soon as `stop` is set."""


class WallClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def sleep_until(self, moment: datetime, stop: threading.Event) -> None:
        stop.wait(max(0.0, (moment - self.now()).total_seconds()))


@dataclass(frozen=True)
class WorkerOptions:
    cadence: Cadence
    send_every: timedelta = timedelta(minutes=1)
    health_file: Path | None = None
    until: datetime | None = None
    """Stop by itself after this instant (rehearsals and tests on a simulated clock); None: run until told."""
    batch_size: int = 100
    workers: int = 1
    """Processes rendering a tick's due emails, this one included (engine/runner/parallel.py's Crew, as
    `rekindle run --workers`); the crew starts only for a tick that leaves at least 64 emails to render."""


@dataclass
class Health:
    pid: int = field(default_factory=os.getpid)
    state: str = "starting"  # starting, waiting, ticking, sending, stopping, stopped
    started_at: str = ""
    schedule: str = ""
    ticks: int = 0
    sends: int = 0
    last_tick: dict[str, Any] | None = None
    last_send: dict[str, Any] | None = None
    last_error: str | None = None
    next_wake: str | None = None
    updated_at: str = ""


class Worker:
    def __init__(self, project: Project, engine: Engine, backend: Backend, options: WorkerOptions,
                 clock: Clock | None = None, secret: bytes | None = None) -> None:
        self.project, self.engine, self.backend, self.options = project, engine, backend, options
        self.clock = clock or WallClock()
        self.secret = secret
        self.stop = threading.Event()
        self.health = Health(started_at=_iso(self.clock.now()), schedule=options.cadence.describe())

    def request_stop(self) -> None:
        """Finish what is in hand, then return from `run` (safe to call from a signal handler)."""
        self.stop.set()

    def run(self) -> Health:
        now = self.clock.now()
        next_tick = self.options.cadence.next_tick(now)
        tick, ticked = True, now
        while not self.stop.is_set():
            if tick:
                self._tick(now)
                ticked = now
            else:
                self._send(now)
            if self.stop.is_set():
                break
            due = self._earliest_due(ticked)
            wake = min(m for m in (next_tick, now + self.options.send_every, due) if m is not None)
            if self.options.until is not None and wake > self.options.until:
                break
            self._report("waiting", wake)
            self.clock.sleep_until(wake, self.stop)
            if self.stop.is_set():
                break
            now = self.clock.now()
            tick = now >= next_tick or (due is not None and now >= due)
            if now >= next_tick:
                next_tick = self.options.cadence.next_tick(now)
        self._report("stopped", None)
        log.info("worker stopped", extra={"event": "worker.stopped", "ticks": self.health.ticks,
                                          "sends": self.health.sends})
        return self.health

    def _tick(self, now: datetime) -> None:
        self._report("ticking", None)
        try:
            cycle = run_cycle(self.project, self.engine, RunOptions(now=now), self.backend, secret=self.secret,
                              keep_going=lambda: not self.stop.is_set(), batch_size=self.options.batch_size,
                              workers=self.options.workers)
        except DBAPIError as exc:
            self._failed(now, exc)
            return
        self.health.ticks += 1
        delivery = cycle.delivery
        self.health.last_tick = {"at": _iso(now), "status": cycle.status, "skipped": cycle.skipped,
                                 "run_id": cycle.summary.run_id if cycle.summary else None,
                                 "sent": delivery.sent if delivery else 0,
                                 "failed": (delivery.failed if delivery else 0) + cycle.failure_total}
        self.health.last_error = delivery.unavailable if delivery else None

    def _send(self, now: datetime) -> None:
        self._report("sending", None)
        try:
            summary = dispatch(self.engine, self.backend, now=now, hold=disabled_campaigns(self.project),
                               categories=self.project.categories(),
                               batch_size=self.options.batch_size, keep_going=lambda: not self.stop.is_set())
        except DBAPIError as exc:
            self._failed(now, exc)
            return
        self.health.sends += 1
        self.health.last_send = {"at": _iso(now), "sent": summary.sent, "failed": summary.failed,
                                 "deferred": summary.deferred}
        self.health.last_error = summary.unavailable
        if summary.claimed:
            log.info("sent", extra={"event": "worker.sent", "sent": summary.sent, "failed": summary.failed})

    def _earliest_due(self, ticked: datetime) -> datetime | None:
        """When the next waiting step of an active enrolment falls due after the last tick (at `ticked`), to
        tick right then. Due before that tick means the tick passed it over (a held campaign, the run's
        limit): not new work. Due since, and already past, is an enrolment made on arrival of an event
        (engine/runner/arrival.py) since the last tick: the worker ticks at once, so its first step goes out
        within `send_every` of the event."""
        query = select(func.min(Enrollment.next_due_at)).where(
            Enrollment.status == "active", Enrollment.next_due_at > to_naive_utc(ticked))
        try:
            with self.engine.connect() as conn:
                due = conn.execute(query).scalar_one()
        except DBAPIError as exc:
            self._failed(self.clock.now(), exc)
            return None
        return as_utc(due) if due is not None else None

    def _failed(self, now: datetime, exc: DBAPIError) -> None:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        self.health.last_error = f"the store failed: {reason}"
        log.error("store failed", extra={"event": "worker.store_failed", "at": _iso(now), "error": reason})

    def _report(self, state: str, wake: datetime | None) -> None:
        self.health.state = state
        self.health.next_wake = _iso(wake) if wake is not None else None
        self.health.updated_at = _iso(datetime.now(timezone.utc))
        path = self.options.health_file
        if path is not None:
            partial = path.with_name(path.name + ".tmp")
            partial.write_text(json.dumps(vars(self.health), indent=2, default=str))
            partial.replace(path)  # atomic: a probe never reads half a file


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
