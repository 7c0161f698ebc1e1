"""Functions run in spawned processes by the render-queue tests (a spawned process imports them by name)."""

from __future__ import annotations

import time
from typing import Any

from engine.runner.parallel import renderers
from engine.runner.render_queue import claim, new_token, render_claimed
from engine.store.database import open_engine


def render_and_report(url: str, project, start: Any, out: Any, size: int) -> None:
    """Claim and render batches like a crew member, and put the ids this process queued on `out`."""
    engine = open_engine(url)
    campaigns = {campaign.id: campaign for campaign in project.campaigns}
    renderer_for = renderers(project, None)
    token = new_token("test")
    start.wait()
    mine: list[int] = []
    with engine.connect() as conn:
        while jobs := claim(conn, token, size):
            conn.commit()
            mine += render_claimed(conn, campaigns, renderer_for, token, jobs)
            conn.commit()
    engine.dispose()
    out.put(mine)


def claim_and_hang(url: str, claimed: Any, size: int) -> None:
    """Claim a batch, commit the claim, say so, then hang mid-batch until killed."""
    engine = open_engine(url)
    with engine.connect() as conn:
        claim(conn, new_token("doomed"), size)
        conn.commit()
        claimed.set()
        time.sleep(600)
