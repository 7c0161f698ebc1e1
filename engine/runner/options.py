"""What a tick is asked to do: the instant, which campaigns, how many emails at most, and whether to keep it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RunOptions:
    now: datetime
    """Aware UTC instant the tick works at (`--now`, else the wall clock)."""
    campaigns: tuple[str, ...] = ()
    """Only these campaign ids (empty: every campaign)."""
    limit: int | None = None
    """At most this many emails queued by the tick (`--limit`, else config.defaults.per_run_limit)."""
    persist: bool = True
    """Commit after each batch. False: nothing is committed and the caller rolls back (dry run, plan,
    simulation on PostgreSQL)."""
    batch_size: int = 1000


class Budget:
    """The per-run email limit, shared by every campaign of a tick (higher priority campaigns spend first)."""

    def __init__(self, limit: int | None) -> None:
        self.remaining = limit

    def take(self) -> bool:
        if self.remaining is None:
            return True
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0
