"""Property: whatever the mix of addresses, letter case, suppressions, unsubscribes and batch sizes, the
dispatcher never hands a suppressed address or an unsubscribed customer's email to a backend, and it sends
every other delivery exactly once."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine.delivery.backends.memory import MemoryBackend
from engine.delivery.dispatch import dispatch
from engine.delivery.message import OutgoingMessage
from engine.delivery.testing import queue_deliveries
from engine.store.database import open_engine
from engine.store.models import Base, Delivery
from engine.suppression import store

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
LOCAL_PARTS = ["ann", "bob", "cy", "dee"]


def _cased(address: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(address, flips + [False] * len(address)))


address = st.builds(
    lambda local, flips: _cased(f"{local}@example.com", flips),
    st.sampled_from(LOCAL_PARTS),
    st.lists(st.booleans(), max_size=8),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    customers=st.lists(st.tuples(address, st.booleans()), min_size=1, max_size=12),
    suppressed=st.lists(address, max_size=4),
    batch_size=st.integers(min_value=1, max_value=5),
)
def test_no_suppressed_or_unsubscribed_address_reaches_a_backend(
    customers: list[tuple[str, bool]], suppressed: list[str], batch_size: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = open_engine(f"sqlite:///{Path(folder) / 'store.db'}")
        Base.metadata.create_all(engine)
        emails = [email for email, _ in customers]
        ids = queue_deliveries(engine, emails, NOW, subscribed=[flag for _, flag in customers])
        with engine.begin() as conn:  # suppressions that arrive after queueing, before sending
            store.add(conn, [store.Entry(email, "hard_bounce") for email in suppressed], NOW)
        outbox: list[OutgoingMessage] = []
        summary = dispatch(engine, MemoryBackend(outbox), now=NOW, batch_size=batch_size)
        with engine.connect() as conn:
            statuses = dict(conn.execute(select(Delivery.id, Delivery.status)).all())
        engine.dispose()

    blocked = {email.lower() for email in suppressed}
    handed = [message.recipient for message in outbox]
    assert not {email.lower() for email in handed} & blocked
    allowed = [
        delivery_id for delivery_id, (email, subscribed) in zip(ids, customers)
        if subscribed and email.lower() not in blocked
    ]
    assert sorted(message.delivery_id for message in outbox) == sorted(allowed)
    assert {i for i, status in statuses.items() if status == "sent"} == set(allowed)
    assert {i for i, status in statuses.items() if status == "suppressed"} == set(ids) - set(allowed)
    assert (summary.sent, summary.suppressed) == (len(allowed), len(ids) - len(allowed))
