"""Set-based endings of enrolments at the start of a campaign's turn in a tick, in this order:

1. version_changed: active enrolments made under an older campaign version follow `on_change`
   (see engine/scheduling/versioning.py);
2. converted: the goal became true within its window (checked before exits, so a purchase that is also
   activity counts as a conversion);
3. exited: the exit condition became true.

Each writes its decisions with INSERT ... SELECT, then updates exactly the enrolments it decided about
(found again through this run's decisions), so decisions and state can never disagree.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, and_, case, literal, select, update

from engine.rules.model import Campaign
from engine.runner.conditions import condition_sql
from engine.runner.context import TickContext
from engine.runner.entry import insert_enrollments, new_enrollment_columns
from engine.scheduling.versioning import continue_position_sql
from engine.store.models import Customer, Decision, Enrollment
from engine.timeutil import format_duration

E = Enrollment.__table__
C = Customer.__table__
DEC = Decision.__table__


def active(campaign: Campaign) -> ColumnElement[bool]:
    return and_(E.c.campaign_id == campaign.id, E.c.status == "active")


def decided(ctx: TickContext, campaign: Campaign, decision: str) -> ColumnElement[bool]:
    """The enrolments this run recorded `decision` for."""
    ids = select(DEC.c.enrollment_id).where(
        DEC.c.run_id == ctx.run_id, DEC.c.campaign_id == campaign.id, DEC.c.decision == decision
    )
    return E.c.id.in_(ids)


def end(ctx: TickContext, where: ColumnElement[bool], status: str, reason: str) -> None:
    ctx.conn.execute(
        update(E).where(where).values(status=status, ended_at=ctx.now_db, end_reason=reason, next_due_at=None)
    )


def reconcile_versions(ctx: TickContext, campaign: Campaign) -> None:
    policy = campaign.on_change
    changed = ctx.log.add_selected(
        campaign,
        E,
        and_(active(campaign), E.c.campaign_version != campaign.version),
        customer_id=E.c.customer_id,
        enrollment_id=E.c.id,
        step_id=E.c.next_step_id,
        decision="version_changed",
        reason=literal(f"on_change {policy}: campaign changed from version ", String())
        + E.c.campaign_version
        + literal(f" to {campaign.version}", String()),
        details={"on_change": policy, "version": campaign.version},
    )
    if not changed:
        return
    these = decided(ctx, campaign, "version_changed")
    if policy == "exit":
        end(ctx, these, "exited", "version_changed")
    elif policy == "restart":
        end(ctx, these, "exited", "version_restart")
        _restart(ctx, campaign, these)
    else:
        _continue(ctx, campaign, these)


def _restart(ctx: TickContext, campaign: Campaign, these: ColumnElement[bool]) -> None:
    """A new enrolment from step 1, now; the entry step records it as enrolled/held_out like any other."""
    columns = new_enrollment_columns(ctx, campaign, customer_id=E.c.customer_id, holdout=E.c.holdout)
    insert_enrollments(ctx, columns, select(*columns.values()).where(these))


def _continue(ctx: TickContext, campaign: Campaign, these: ColumnElement[bool]) -> None:
    step_ids = [step.id for step in campaign.steps]
    position = continue_position_sql(step_ids, E.c.next_step_id, E.c.next_step)
    ctx.conn.execute(update(E).where(these).values(next_step=position, campaign_version=campaign.version))
    by_index = {index: step_id for index, step_id in enumerate(step_ids)}
    ctx.conn.execute(update(E).where(these).values(next_step_id=_case(by_index, E.c.next_step)))
    finished = and_(these, E.c.next_step >= len(step_ids))
    ctx.log.add_selected(
        campaign, E, finished, customer_id=E.c.customer_id, enrollment_id=E.c.id,
        decision="completed", reason="no step left after the campaign changed",
    )
    end(ctx, finished, "completed", "completed")


def _case(mapping: dict[int, str], column: ColumnElement[int]) -> ColumnElement[str]:
    return case(mapping, value=column, else_=literal(None, String()))


def record_goals(ctx: TickContext, campaign: Campaign) -> None:
    goal = campaign.goal
    if goal is None:
        return
    reached = and_(
        active(campaign),
        E.c.enrolled_at >= ctx.now_db - goal.within,
        condition_sql(ctx, goal.condition, enrolled_at=E.c.enrolled_at),
    )
    ctx.log.add_selected(
        campaign, E.join(C, C.c.id == E.c.customer_id), reached, customer_id=E.c.customer_id,
        enrollment_id=E.c.id, decision="converted",
        reason=f"goal reached within {format_duration(goal.within)} of enrolment",
    )
    end(ctx, decided(ctx, campaign, "converted"), "converted", "goal")


def record_exits(ctx: TickContext, campaign: Campaign) -> None:
    if campaign.exit is None:
        return
    met = and_(active(campaign), condition_sql(ctx, campaign.exit, enrolled_at=E.c.enrolled_at))
    ctx.log.add_selected(
        campaign, E.join(C, C.c.id == E.c.customer_id), met, customer_id=E.c.customer_id,
        enrollment_id=E.c.id, decision="exited", reason="the campaign's exit condition is true",
    )
    end(ctx, decided(ctx, campaign, "exited"), "exited", "exit_condition")
