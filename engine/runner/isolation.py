"""A campaign's turn in a tick, isolated: a database error that only this campaign's SQL raises (its audience,
endings, enrolment or steps; for example a value its conditions cast that the database refuses) is recorded
against the campaign, and the tick goes on with the others.

A persisted tick commits batch by batch (TickContext.checkpoint), so the turn starts on committed work and a
failure rolls back only the batch in hand; the campaign's earlier batches stay, as they would after a crash
(each batch is whole, and the next run carries on from there). A rehearsal (dry run, plan, simulate, rule
tests) commits nothing, so there the turn runs inside a SAVEPOINT that a failure rolls back. Either way what
the rolled-back SQL had counted (decisions, kept failures, the email budget) is taken back too, the campaign's
summary says `failed` with the reason, and one `campaign_failed` decision records it.

Errors of the store as a whole (the connection lost, a read-only, full or corrupt database: see
engine.store.connect.store_failed) are not the campaign's: they propagate and stop the tick, as before.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

from engine.observability.failures import Failure
from engine.rules.model import Campaign
from engine.runner.context import TickContext
from engine.store.connect import database_reason, store_failed


def isolated_turn(ctx: TickContext, campaign: Campaign, turn: Callable[[], None]) -> None:
    """Run `turn` (the campaign's part of the tick); a statement's database error fails only this campaign."""
    ctx.checkpoint()  # persisted: everything before this campaign is committed, so a rollback cannot reach it
    ctx.keep()
    savepoint = None if ctx.options.persist else ctx.conn.begin_nested()
    try:
        turn()
    except DBAPIError as exc:
        if store_failed(exc):
            raise
        if savepoint is not None:
            savepoint.rollback()
        else:
            ctx.conn.rollback()
        _record_failure(ctx, campaign, database_reason(exc))
        return
    if savepoint is not None:
        savepoint.commit()


def _record_failure(ctx: TickContext, campaign: Campaign, reason: str) -> None:
    ctx.log.discard()
    assert ctx.kept is not None  # kept when the turn began, and at every commit since
    ctx.kept.restore(ctx.summary, ctx.budget)
    message = (f"campaign {campaign.id!r} failed: the database refused its SQL: {reason}; what it had not "
               "committed was rolled back, the other campaigns went on, the next run tries it again")
    summary = ctx.summary.campaign(campaign.id, campaign.version)
    summary.status, summary.message = "failed", message
    ctx.summary.add_failure(Failure("campaign", "", campaign.id, "", campaign.source, f"the database refused its "
                                                                                      f"SQL: {reason}"))
    ctx.log.add(campaign, None, None, None, "campaign_failed", message, {"error": reason})
    ctx.log.flush()
    ctx.checkpoint()
