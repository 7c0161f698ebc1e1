"""`on_change: continue`: where a customer resumes after an edit, in Python and in SQL alike."""

import pytest
from sqlalchemy import Integer, String, literal, select

from engine.scheduling.versioning import continue_position, continue_position_sql

NEW_STEPS = ["miss-you", "offer", "last-call"]  # e.g. a step "reminder" between offer and last-call was removed


@pytest.mark.parametrize(
    ("pending_id", "pending_index", "expected"),
    [
        ("offer", 1, 1),  # the pending step still exists: resume there
        ("last-call", 3, 2),  # it moved up because an earlier step was removed
        ("reminder", 2, 2),  # removed: the step now in its place (the next existing one)
        ("gone", 7, 3),  # removed and nothing after it: completed
    ],
)
def test_continue_position(store_engine, pending_id, pending_index, expected):
    assert continue_position(NEW_STEPS, pending_id, pending_index) == expected
    expression = continue_position_sql(NEW_STEPS, literal(pending_id, String()), literal(pending_index, Integer()))
    with store_engine.connect() as conn:
        assert conn.execute(select(expression)).scalar_one() == expected
