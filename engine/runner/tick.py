"""One tick of the run engine over every (selected) campaign, highest priority first.

For each enabled campaign: version changes, goals and exits (set-based), enrolment (set-based), then the due
steps in batches. Priority order matters twice: within a mutually exclusive group the higher-priority
campaign enrols first (so the group check keeps the customer out of the others), and the per-run email limit
is spent on higher-priority campaigns first. A `runs` row records the tick, its summary and its status:
`finished`, `partial` (something failed beside work that was done), `failed` (only failures, or the tick
itself broke: the error is kept in the summary and raised again). A database error that one campaign's SQL
raises fails that campaign only (engine/runner/isolation.py); the store failing as a whole breaks the tick. A
campaign paused in the store (engine/store/pauses.py) is passed over like a disabled one: nobody enters,
nothing advances.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import Connection, update

from engine.project import Project
from engine.rules.model import Campaign
from engine.runner.advance import advance_campaign
from engine.runner.context import TickContext
from engine.runner.entry import enrol
from engine.runner.isolation import isolated_turn
from engine.runner.lifecycle import reconcile_versions, record_exits, record_goals
from engine.runner.options import RunOptions
from engine.runner.provenance import rules_commit
from engine.runner.parallel import Crew, renderers
from engine.runner.render import Renderer, compose_renderer
from engine.runner.render_queue import drain, fold_failures
from engine.runner.runs import RUNS, finish_run, start_run, wall_clock
from engine.runner.summary import RunSummary
from engine.store import pauses


def ordered(campaigns: tuple[Campaign, ...], only: tuple[str, ...] = ()) -> list[Campaign]:
    chosen = [c for c in campaigns if not only or c.id in only]
    return sorted(chosen, key=lambda c: (-c.priority, c.id))


def group_peers(campaign: Campaign, campaigns: tuple[Campaign, ...]) -> tuple[str, ...]:
    if campaign.group is None:
        return ()
    return tuple(c.id for c in campaigns if c.group == campaign.group and c.id != campaign.id)


def run_tick(
    conn: Connection, project: Project, options: RunOptions, render: Renderer | None = None,
    commit: str | None = "auto", crew: Crew | None = None,
) -> RunSummary:
    """Run one tick on `conn`. With `options.persist` every batch is committed; otherwise nothing is, and the
    caller decides (a dry run rolls back). `commit` "auto" reads the rules folder's git commit.

    The tick decides and writes the due emails as `rendering` deliveries; `render` (default: the production
    renderer) then renders them in this process, beside the `crew`'s processes, if any, which start when
    enough enrolments are due and render from the first committed batch on (engine/runner/parallel.py)."""
    if commit == "auto":
        commit = rules_commit(project.config.path(project.config.rules_dir))
    ctx = start_run(conn, project, options, commit)
    summary = ctx.summary
    if crew is not None:
        ctx.decided, ctx.due = crew.grow, crew.expect
    render = render or compose_renderer(project, options.now)
    paused = pauses.paused_ids(conn)
    try:
        for campaign in ordered(project.campaigns, options.campaigns):
            isolated_turn(ctx, campaign, partial(_campaign_turn, ctx, campaign, paused))
        _render_decided(ctx, render, crew)
    except Exception as exc:
        _record_broken_tick(ctx, exc)
        raise
    finish_run(ctx)
    return summary


def _record_broken_tick(ctx: TickContext, exc: Exception) -> None:
    """Keep a tick that broke half-way as `failed`, with its error, so status and history show it; what was
    committed before stays (each batch is whole), the batch in hand is rolled back."""
    if not ctx.options.persist:
        return
    ctx.conn.rollback()
    document = {**ctx.summary.to_dict(), "error": f"{type(exc).__name__}: {exc}"}
    ctx.conn.execute(update(RUNS).where(RUNS.c.id == ctx.run_id).values(
        finished_at=wall_clock(), status="failed", summary=document))
    ctx.conn.commit()


def _render_decided(ctx: TickContext, render: Renderer, crew: Crew | None) -> None:
    """Render what the tick decided (and what an earlier, interrupted tick left), then correct the counts
    for the emails that failed to render. A dry run renders on its own uncommitted rows, then rolls back."""
    campaigns = {campaign.id: campaign for campaign in ctx.project.campaigns}
    renderer_for = renderers(ctx.project, None, (ctx.options.now, render))
    drain(ctx.conn, campaigns, renderer_for, persist=ctx.options.persist)
    if crew is not None and crew.finish(ctx.conn):
        drain(ctx.conn, campaigns, renderer_for, persist=ctx.options.persist)  # what a dead member had claimed
    fold_failures(ctx.conn, ctx.summary)


def _campaign_turn(ctx: TickContext, campaign: Campaign, paused: set[str]) -> None:
    summary = ctx.summary.campaign(campaign.id, campaign.version)
    summary.step_order = tuple(step.id for step in campaign.steps)
    if not campaign.enabled:
        summary.status = "disabled"  # nobody enters, nothing is sent, enrolments wait
        return
    if pauses.is_paused(paused, campaign.id):
        summary.status = "paused"  # paused in the store (`rekindle pause`): the same, until `rekindle resume`
        return
    reconcile_versions(ctx, campaign)
    record_goals(ctx, campaign)
    record_exits(ctx, campaign)
    entered = enrol(ctx, campaign, group_peers(campaign, ctx.project.campaigns))
    ctx.log.flush()
    ctx.checkpoint()
    if entered:
        advance_campaign(ctx, campaign)
