"""A tick that breaks half-way (a bug, not a failed email) is recorded `failed` with its error, and the error
still propagates (it keeps its traceback: it is not a user's mistake)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.runner.options import RunOptions
from engine.runner.tick import run_tick
from engine.store.models import Delivery, Run
from tests.runner.kit import at, campaign_doc


def test_a_broken_tick_is_recorded_failed_with_its_error(kit):
    kit.use(campaign_doc("c"))
    kit.customers({"external_id": "ann"})

    def broken_renderer(*_):
        raise RuntimeError("renderer bug")

    with kit.engine.connect() as conn, pytest.raises(RuntimeError, match="renderer bug"):
        run_tick(conn, kit.project, RunOptions(now=at("2026-11-23T10:00:00Z")), broken_renderer, commit=None)
    with kit.engine.connect() as conn:
        status, summary = conn.execute(select(Run.status, Run.summary)).one()
        waiting = conn.execute(select(Delivery.status, Delivery.message)).all()
    assert status == "failed"
    assert summary["error"] == "RuntimeError: renderer bug"
    # The deciding batches were committed; the email waits to be rendered, by the next renderer
    assert summary["campaigns"]["c"]["steps"] == {"": {"enrolled": 1, "completed": 1}, "one": {"queued": 1}}
    assert waiting == [("rendering", None)]
