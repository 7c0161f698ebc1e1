"""State shared by the parts of one tick: the connection, the project, the instant and the ledgers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from engine.runner.options import Budget, RunOptions
from engine.runner.summary import RunSummary

if TYPE_CHECKING:
    from engine.conditions.sql import SqlContext
    from engine.project import Project
    from engine.runner.decisions import DecisionLog


@dataclass(frozen=True)
class Tally:
    """What the tick had counted when its work was last committed (or a campaign's turn began): the decisions
    per campaign and step, the failures kept, the email budget. A rolled-back batch is taken back to this."""

    counts: dict[str, dict[str, Counter]]
    failures: int
    limit_reached: bool
    remaining: int | None

    @classmethod
    def of(cls, summary: RunSummary, budget: Budget) -> "Tally":
        counts = {cid: {step: Counter(counter) for step, counter in c.counts.items()}
                  for cid, c in summary.campaigns.items()}
        return cls(counts, len(summary.failures), summary.limit_reached, budget.remaining)

    def restore(self, summary: RunSummary, budget: Budget) -> None:
        for cid, campaign in summary.campaigns.items():
            campaign.counts = {step: Counter(counter) for step, counter in self.counts.get(cid, {}).items()}
        del summary.failures[self.failures:]
        summary.limit_reached, budget.remaining = self.limit_reached, self.remaining


@dataclass
class TickContext:
    conn: Connection
    project: "Project"
    options: RunOptions
    run_id: int
    rules_commit: str | None
    summary: RunSummary
    log: "DecisionLog"
    budget: Budget
    sql: "SqlContext"
    """The conditions' compile context for this tick (now, segments, timezones)."""
    kept: Tally | None = field(default=None, repr=False)
    """The tally at the last commit (engine/runner/isolation.py rolls a failed campaign back to it)."""
    decided: Callable[[int], None] = lambda emails: None
    """Told how many emails each committed batch left to render (the crew starts once there is enough)."""
    due: Callable[[int], None] = lambda enrolments: None
    """Told how many enrolments are due before they are decided (the crew may start while they are)."""

    @property
    def now(self) -> datetime:
        return self.options.now

    @property
    def now_db(self) -> datetime:
        """`now` as stored: naive UTC."""
        return self.options.now.replace(tzinfo=None)

    def checkpoint(self) -> None:
        """Commit the work so far (a crash loses at most one batch), unless the caller will roll back."""
        if self.options.persist:
            self.conn.commit()
            self.keep()

    def keep(self) -> None:
        """Remember the tally as it is now: what a rollback of the work that follows returns to."""
        self.kept = Tally.of(self.summary, self.budget)


_LAZY_COMMIT = text("SET LOCAL synchronous_commit TO OFF")


def lazy_commit(conn: Connection) -> None:
    """Let the transaction in progress commit without waiting for PostgreSQL to flush it to disk (a tick's
    decided batches, the render queue's claims and rendered bytes); a no-op on SQLite, whose WAL with
    synchronous=NORMAL already commits so. Waiting made every commit cost a disk flush (about 50 ms on the
    shared benchmark machine, two per rendered batch of 200).

    Nothing is sent on the strength of such a commit: the send path's claim commits durably before any SMTP
    traffic, and the log is written in order, so that flush carries every earlier commit with it: bytes
    are on disk before they are sent. A crash before it loses only work that is done again, alike: the
    batch is decided again by the next tick, the render claimed again when its lease ends, with the same
    bytes and Message-ID. The run's own end (finish_run) commits durably."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LAZY_COMMIT)
