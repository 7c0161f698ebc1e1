"""One tick of the run engine over every (selected) campaign, highest priority first.

For each enabled campaign: version changes, goals and exits (set-based), enrolment (set-based), then the due
steps in batches, written as deliveries waiting to be rendered, then the rendering of those
(engine/runner/render_queue.py). Priority order matters twice: within a mutually exclusive group the higher-priority
campaign enrols first (so the group check keeps the customer out of the others), and the per-run email limit
is spent on higher-priority campaigns first. A `runs` row records the tick, its summary and its status:
`finished`, `partial` (something failed beside work that was done), `failed` (only failures, or the tick
itself broke: the error is kept in the summary and raised again). A campaign paused in the store
(engine/store/pauses.py) is passed over like a disabled one: nobody enters, nothing advances.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, insert, update

from engine.project import Project
from engine.rules.model import Campaign
from engine.runner.advance import advance_campaign
from engine.runner.conditions import base_sql_context
from engine.runner.context import TickContext
from engine.runner.decisions import DecisionLog
from engine.runner.entry import enrol
from engine.runner.lifecycle import reconcile_versions, record_exits, record_goals
from engine.runner.options import Budget, RunOptions
from engine.runner.provenance import rules_commit
from engine.runner.parallel import Crew, renderers
from engine.runner.render import Renderer, compose_renderer
from engine.runner.render_queue import drain, fold_failures
from engine.runner.summary import RunSummary
from engine.scheduling.hashing import register_sqlite_functions
from engine.store import pauses
from engine.store.models import Run

RUNS = Run.__table__


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
    renderer) then renders them in this process, beside the `crew`'s processes, if any, which have been
    rendering since the first batch was committed (engine/runner/parallel.py)."""
    if conn.dialect.name == "sqlite":
        register_sqlite_functions(conn.connection.driver_connection)
    if commit == "auto":
        commit = rules_commit(project.config.path(project.config.rules_dir))
    limit = options.limit if options.limit is not None else project.config.defaults.per_run_limit
    inserted = conn.execute(
        insert(RUNS).values(
            started_at=_wall_clock(), now=options.now.replace(tzinfo=None), status="running",
            rules_commit=commit, summary={},
        )
    ).inserted_primary_key
    assert inserted is not None  # a single-row INSERT of a table with a primary key
    run_id = inserted[0]
    summary = RunSummary(now=options.now, rules_commit=commit, run_id=run_id, dry_run=not options.persist,
                         limit=limit)
    ctx = TickContext(
        conn=conn, project=project, options=options, run_id=run_id, rules_commit=commit, summary=summary,
        log=DecisionLog(conn, run_id, options.now.replace(tzinfo=None), commit, summary), budget=Budget(limit),
        sql=base_sql_context(conn, project, options.now),
        decided=crew.grow if crew is not None else lambda emails: None,
    )
    render = render or compose_renderer(project, options.now)
    paused = pauses.paused_ids(conn)
    try:
        for campaign in ordered(project.campaigns, options.campaigns):
            _campaign_turn(ctx, campaign, paused)
        _render_decided(ctx, render, crew)
    except Exception as exc:
        _record_broken_tick(ctx, exc)
        raise
    conn.execute(
        update(RUNS).where(RUNS.c.id == run_id).values(
            finished_at=_wall_clock(), status=summary.status, summary=summary.to_dict()
        )
    )
    ctx.checkpoint()
    return summary


def _record_broken_tick(ctx: TickContext, exc: Exception) -> None:
    """Keep a tick that broke half-way as `failed`, with its error, so status and history show it; what was
    committed before stays (each batch is whole), the batch in hand is rolled back."""
    if not ctx.options.persist:
        return
    ctx.conn.rollback()
    document = {**ctx.summary.to_dict(), "error": f"{type(exc).__name__}: {exc}"}
    ctx.conn.execute(update(RUNS).where(RUNS.c.id == ctx.run_id).values(
        finished_at=_wall_clock(), status="failed", summary=document))
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


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
