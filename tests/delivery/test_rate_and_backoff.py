"""Backoff delays and the token bucket's rate (a lower bound on elapsed time, which cannot be flaky)."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from engine.delivery.backoff import Backoff
from engine.delivery.ratelimit import TokenBucket


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    policy = Backoff(base=1.0, cap=8.0)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = [policy.delay(attempt, rng) for _ in range(200)]
        assert ceiling / 2 <= min(delays) and max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 4  # jitter really spreads them
    assert Backoff(1.0, 8.0, jitter=False).delay(3) == 4.0


def test_token_bucket_never_exceeds_its_rate() -> None:
    bucket = TokenBucket(rate=20, burst=1)

    async def take(count: int) -> float:
        started = time.monotonic()
        await asyncio.gather(*(bucket.acquire() for _ in range(count)))
        return time.monotonic() - started

    # 11 tokens at 20/s with a burst of 1: the first is free, the other ten need at least 0.5 s.
    assert asyncio.run(take(11)) >= 0.5 - 0.01


def test_token_bucket_refuses_a_zero_rate() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        TokenBucket(0)
