"""`rekindle plan`: what the next run would do, without doing it (a dry run that is rolled back); with
`--base REF`, what this branch changes compared with REF, for the reviewer of a pull request (docs/review.md)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path

import typer

from engine.cli.options import CampaignOption, ConfigOption, NowOption, resolve_now
from engine.errors import WorkFailed


class PlanWarnings(WorkFailed):
    """`--strict` and the plan found warnings (P5xx): CI must not merge without a person looking."""


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)


def plan(
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
    campaign: list[str] = CampaignOption,
    fmt: PlanFormat = typer.Option(PlanFormat.text, "--format", "-f",
                                   help="text, json or markdown (one sticky pull-request comment)."),
    base: str | None = typer.Option(None, "--base", metavar="REF",
                                    help="A git ref (e.g. origin/main): compare this branch's rules, segments, "
                                         "templates and config with REF's, read from git."),
    samples: int = typer.Option(3, "--samples", min=0,
                                help="Customers of each audience whose emails are rendered and compared."),
    mask: bool = typer.Option(True, "--mask/--no-mask",
                              help="Mask sample recipients (a***@example.com, initials only); on by default."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when there is any warning (P5xx), for CI."),
) -> None:
    """Show what the next `rekindle run` would do per campaign and step, and how campaign edits affect
    customers mid-sequence, with the warnings a reviewer must see (P501 audience guard, P502 customers at a
    renamed or removed step, P503 send windows the schedule never reaches). Changes nothing. Exit 1 when a
    campaign would be held by its audience guard, or on any warning with --strict."""
    from contextlib import nullcontext

    from engine.cli.project import load_project_or_exit
    from engine.cli.store import ready_config_store
    from engine.project.git import base_project
    from engine.plan.changes import version_changes
    from engine.plan.review import build_review
    from engine.plan.samples import audience_ctx
    from engine.plan.warnings import plan_warnings
    from engine.audience import count_query
    from engine.runner.options import RunOptions
    from engine.runner.render import compose_renderer, rehearsal_secret
    from engine.runner.tick import run_tick

    project = load_project_or_exit(config_path, campaign)
    at = resolve_now(now)
    chosen = tuple(c for c in project.campaigns if not campaign or c.id in campaign)
    secret = rehearsal_secret(project) or b"rekindle-plan-only"
    with base_project(config_path, base) if base else nullcontext((None, "")) as (base_side, commit):
        engine = ready_config_store(project.config)
        with engine.connect() as conn:
            sizes = {c.id: conn.execute(count_query(c, audience_ctx(conn, project, c, at))).scalar_one()
                     for c in chosen if c.enabled}
            warnings = plan_warnings(conn, project, base_side, sizes, at)
            review = None
            if base_side is not None:
                review = build_review(conn, base_side, project, base_ref=base or "", base_commit=commit, now=at,
                                      samples=samples, mask=mask, secret=secret)
                review.warnings = warnings
            changes = version_changes(conn, chosen)
            options = RunOptions(now=at, campaigns=tuple(campaign or ()), persist=False)
            summary = run_tick(conn, project, options, compose_renderer(project, at, rehearsal_secret(project)))
            conn.rollback()
        engine.dispose()
    _print(fmt, summary, changes, warnings, review)
    if summary.failed:
        raise WorkFailed()
    if strict and warnings:
        raise PlanWarnings(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} (--strict)")


def _print(fmt: PlanFormat, summary, changes, warnings, review) -> None:
    import json

    from engine.plan import report, review_report

    if fmt is PlanFormat.json:
        run_plan = json.loads(report.as_json(summary, changes, warnings))
        typer.echo(review_report.as_json(review, run_plan) if review else json.dumps(run_plan, indent=2))
    elif fmt is PlanFormat.markdown:
        run_plan = report.as_markdown(summary, changes, [] if review else warnings)
        if review is None:
            typer.echo(run_plan, nl=False)
        else:
            typer.echo(review_report.as_markdown(review))
            typer.echo(f"<details><summary>What the next run would do on this branch</summary>\n\n{run_plan}"
                       "\n</details>")
    else:
        if review is not None:
            typer.echo(review_report.as_text(review))
        report.print_text(summary, changes, [] if review else warnings)
