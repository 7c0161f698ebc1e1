"""`rekindle run`: one tick of the run engine, then the outbox is sent (docs/campaigns.md, docs/cli.md).

Exit codes: 0 finished (or skipped because another run holds the lock), 1 invalid rules, or a run recorded
`partial`/`failed`: a campaign held by its audience guard (a share of the subscribed customers, or
max_audience), a campaign whose SQL the database refused (engine/runner/isolation.py), an email that failed to
render or a delivery that failed permanently (each printed on stderr), 2 usage, 3 SMTP unreachable (the queued emails stay queued).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from engine.cli.notes import say
from engine.cli.options import CampaignOption, ConfigOption, NowOption, OutputFormat, resolve_now
from engine.errors import Unavailable, WorkFailed

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from engine.project import Project

def register(app: typer.Typer) -> None:
    app.command("run")(run)


def run(
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="Decide and render everything, write nothing."),
    campaign: list[str] = CampaignOption,
    limit: int | None = typer.Option(None, "--limit", min=0, help="Queue at most this many emails this run."),
    no_send: bool = typer.Option(False, "--no-send", help="Queue emails but leave sending to `rekindle send`."),
    wait: float = typer.Option(0.0, "--wait", min=0, help="Seconds to wait for another run to finish."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, show_default="the number of cores",
        help="Processes rendering the due emails, this one included: N-1 more start, and claim the emails "
             "the tick decides while it decides (docs/operations.md#scaling-out)."),
    render_only: bool = typer.Option(
        False, "--render-only", help="No tick and no sending: render the emails that wait to be rendered "
        "(decided by a tick here or on another machine sharing the store), then stop."),
) -> None:
    """Enrol customers, end sequences, queue the emails that are due and send them.

    Exit codes: 0 finished, 1 partial or failed (each failure is on stderr), 3 SMTP unreachable."""
    from engine.cli.project import load_project_or_exit, require_valid_templates
    from engine.cli.store import ready_store
    from engine.runner.cycle import run_cycle
    from engine.runner.options import RunOptions
    from engine.runner.parallel import default_workers
    from engine.runner.render import compose_renderer, rehearsal_secret
    from engine.runner.tick import run_tick
    from engine.suppression.tokens import secret_from_env

    project = load_project_or_exit(config_path, campaign, templates=False)  # templates: under the lock
    config, engine = ready_store(config_path)
    if render_only:
        _render_only(project, engine, workers or default_workers(), fmt)
        return
    at = resolve_now(now)
    options = RunOptions(now=at, campaigns=tuple(campaign or ()), limit=limit, persist=not dry_run)
    pool_size = workers or default_workers()
    if dry_run:
        with engine.connect() as conn:  # in process: the crew could not see the uncommitted rows
            require_valid_templates(project)
            summary = run_tick(conn, project, options, compose_renderer(project, at, rehearsal_secret(project)))
            conn.rollback()
        engine.dispose()
        _report(summary, None, summary.status, fmt)
        if summary.failed:
            raise WorkFailed()
        return
    secret_from_env(project.config.unsubscribe.secret_env)  # signs the links: required before anything queues
    backend = None if no_send else configured_backend(config)
    cycle = run_cycle(project, engine, options, backend, wait=wait, workers=pool_size,
                      under_lock=lambda: require_valid_templates(project))
    engine.dispose()
    if cycle.skipped is not None:
        _skipped(cycle.skipped, fmt)
        return
    _report(cycle.summary, cycle.delivery, cycle.status, fmt)
    if cycle.unavailable:
        raise Unavailable()  # the report above says why; the emails stay queued
    if cycle.status != "finished":
        raise WorkFailed()  # each failure is on stderr already


def _render_only(project: Project, engine: Engine, workers: int, fmt: OutputFormat) -> None:
    from engine.cli.project import require_valid_templates
    from engine.runner.parallel import render_waiting
    from engine.suppression.tokens import secret_from_env

    require_valid_templates(project)
    secret_from_env(project.config.unsubscribe.secret_env)  # signs the links
    waited, left = render_waiting(engine, project, None, workers)
    engine.dispose()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps({"status": "rendered", "waited": waited, "waiting": left}))
    else:
        typer.echo(f"{waited} email(s) waited to be rendered, {left} wait now (see `rekindle status`).")


def configured_backend(config):
    """The configured delivery backend, checked before any work so a bad setting runs nothing."""
    from engine.delivery.registry import BackendConfigError, backend_from_config

    try:
        return backend_from_config(config)
    except BackendConfigError as exc:
        raise BackendConfigError(f"delivery: {exc}; nothing was run") from None


def _skipped(message: str, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        typer.echo(json.dumps({"status": "skipped", "reason": message}))
    else:
        say(f"skipped: {message}; it does this run's work, nothing was done here", "run.skipped", reason=message)


def _report(summary, delivery, status: str, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        document = {"status": status, **summary.to_dict(),
                    "delivery": delivery.as_dict() if delivery is not None else None}
        typer.echo(json.dumps(document, indent=2, default=str))
        return
    from engine.runner.report import print_table

    when = summary.now.isoformat().replace("+00:00", "Z")
    title = (f"DRY RUN at {when}: nothing was written" if summary.dry_run
             else f"Run {summary.run_id} at {when}" + (f" (rules {summary.rules_commit})" if summary.rules_commit else "")
             + f": {status}")
    print_table(summary, title)
    if delivery is not None:
        typer.echo(f"Sent {delivery.sent}, failed {delivery.failed}, deferred {delivery.deferred}, "
                   f"suppressed {delivery.suppressed} via {delivery.backend}.")
        if delivery.unavailable:
            say(f"error: cannot send: {delivery.unavailable}; the emails stay queued", "delivery.unavailable",
                level=logging.ERROR, reason=delivery.unavailable)
