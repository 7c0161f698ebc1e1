"""Claiming work from the outbox on both dialects: sizes, disjoint batches, due times, stale leases."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update

from engine.delivery.claim import claim_batch, count_due, reclaim_stale, release
from engine.delivery.testing import queue_deliveries
from engine.store.models import Delivery
from engine.timeutil import to_naive_utc


def test_batches_are_bounded_ordered_and_disjoint(store_engine: Engine, now: datetime) -> None:
    ids = queue_deliveries(store_engine, [f"p{i}@example.com" for i in range(25)], now)
    at = to_naive_utc(now)
    with store_engine.begin() as conn:
        first = claim_batch(conn, "w1/a", at, 10)
    with store_engine.begin() as conn:
        second = claim_batch(conn, "w2/b", at, 10)
        third = claim_batch(conn, "w3/c", at, 10)
        empty = claim_batch(conn, "w4/d", at, 10)
    assert [row.id for row in first + second + third] == ids
    assert (len(first), len(second), len(third), empty) == (10, 10, 5, [])
    with store_engine.connect() as conn:
        owners = dict(conn.execute(select(Delivery.id, Delivery.claimed_by)).all())
    assert {owners[row.id] for row in second} == {"w2/b"}


def test_only_due_rows_are_claimed(store_engine: Engine, now: datetime) -> None:
    later, due = queue_deliveries(store_engine, ["later@example.com", "due@example.com"], now)
    at = to_naive_utc(now)
    with store_engine.begin() as conn:
        conn.execute(update(Delivery).where(Delivery.id == later).values(next_attempt_at=at + timedelta(minutes=5)))
        assert count_due(conn, at, timedelta(minutes=15)) == 1
        assert [row.id for row in claim_batch(conn, "w/a", at, 10)] == [due]
        assert [row.id for row in claim_batch(conn, "w/b", at + timedelta(minutes=5), 10)] == [later]


def test_stale_claims_are_put_back_and_released_rows_are_claimable(store_engine: Engine, now: datetime) -> None:
    ids = queue_deliveries(store_engine, ["a@example.com", "b@example.com"], now)
    at = to_naive_utc(now)
    lease = timedelta(minutes=15)
    with store_engine.begin() as conn:
        claim_batch(conn, "dead/a", at, 1)
        claim_batch(conn, "alive/b", at + timedelta(minutes=10), 1)
    with store_engine.begin() as conn:
        assert reclaim_stale(conn, at + timedelta(minutes=16), lease) == 1  # only the older claim expired
        assert [row.id for row in claim_batch(conn, "new/c", at + timedelta(minutes=16), 5)] == [ids[0]]
        assert release(conn, "someone-else/x", [ids[1]]) == 0  # a release needs the claim token
        assert release(conn, "alive/b", [ids[1]]) == 1
        assert [row.id for row in claim_batch(conn, "new/d", at, 5)] == [ids[1]]
