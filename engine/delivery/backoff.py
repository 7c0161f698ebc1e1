"""Exponential backoff with "equal jitter" (AWS architecture blog, "Exponential Backoff And Jitter").

Used twice: by the SMTP backend between quick in-connection retries (seconds), and by the dispatcher to
schedule a deferred delivery's next attempt (minutes). Jitter spreads retries so many workers that failed
together do not all come back together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Backoff:
    base: float
    cap: float
    jitter: bool = True

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1 = the first try failed)."""
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        if not self.jitter:
            return ceiling
        # Never less than half the ceiling, so a retry is not immediate.
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)

    def timedelta(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        return timedelta(seconds=self.delay(attempt, rng))
