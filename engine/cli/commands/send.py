"""`rekindle send`: dispatch the queued deliveries through the configured backend (docs/delivery.md).

Exit codes: 0 everything due was handled, 1 some deliveries failed permanently, 3 the transport (SMTP) was
unreachable, in which case the unsent work stays queued for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import typer

from engine.cli.notes import say
from engine.cli.options import ConfigOption, NowOption
from engine.errors import Unavailable, WorkFailed

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from engine.delivery.dispatch import DispatchSummary
    from engine.project import Project


class _DispatchOptions(TypedDict):
    """The command line's share of `engine.delivery.dispatch.dispatch`'s keyword arguments."""

    now: datetime | None
    worker_id: str | None
    batch_size: int
    limit: int | None
    lease: timedelta
    hold: Collection[str]
    categories: Mapping[str, str]


def register(app: typer.Typer) -> None:
    app.command("send")(send)


def send(
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Send at most this many deliveries."),
    worker_id: str | None = typer.Option(
        None, "--worker-id", help="Name of this sender in claimed_by (default host:pid); for several senders."
    ),
    batch_size: int = typer.Option(100, "--batch-size", min=1, help="Deliveries claimed per transaction."),
    lease: str = typer.Option(
        "15m", "--lease", help="Take over deliveries another sender claimed this long ago and never finished."
    ),
) -> None:
    """Send what is queued in the outbox. Exit codes: 0 done, 1 some deliveries failed permanently,
    3 SMTP unreachable (the work stays queued). With `--log-format json` every outcome is a JSON line."""
    import sys

    from engine.cli.store import ready_store
    from engine.delivery.dispatch import dispatch
    from engine.delivery.registry import BackendConfigError, backend_from_config
    from engine.observability.logs import current_format
    from engine.timeutil import parse_duration

    try:
        lease_span = parse_duration(lease)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lease") from None
    log_format = current_format()  # text output is the summary below; every outcome is for machines (json)
    config, engine = ready_store(config_path)
    try:
        backend = backend_from_config(config)
    except BackendConfigError as exc:
        raise BackendConfigError(f"delivery: {exc}") from None

    project = _rules_if_readable(config_path)
    hold = () if project is None else tuple(c.id for c in project.campaigns if not c.enabled)
    categories = {} if project is None else project.categories()
    options = _DispatchOptions(now=now, worker_id=worker_id, batch_size=batch_size, limit=limit, lease=lease_span,
                               hold=hold, categories=categories)
    if log_format == "text" and sys.stderr.isatty():
        summary = _dispatch_with_progress(engine, backend, options)
    else:
        summary = dispatch(engine, backend, **options)
    waiting = _still_queued(engine) if summary.unavailable else 0
    _report(summary, log_format, waiting)
    _report_failures(engine, project, summary)
    engine.dispose()
    if summary.unavailable:
        raise Unavailable()  # the report above says why; the work stays queued
    if summary.failed:
        raise WorkFailed()


def _dispatch_with_progress(engine, backend, options: _DispatchOptions):
    """A rich progress bar on stderr, advanced after each batch (only when stderr is a terminal)."""
    from datetime import timezone

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from engine.delivery.claim import count_due
    from engine.delivery.dispatch import dispatch
    from engine.timeutil import to_naive_utc

    with engine.connect() as conn:
        total = count_due(conn, to_naive_utc(options["now"] or datetime.now(timezone.utc)), options["lease"],
                          options["hold"])
    if options["limit"] is not None:
        total = min(total, options["limit"])
    columns = (TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("send", total=total)
        return dispatch(engine, backend, **options,
                        on_batch=lambda summary: progress.update(task, completed=summary.claimed))


def _rules_if_readable(config_path: Path) -> Project | None:
    """The project as far as its rules can be read: sending goes on when a rule is broken (the outbox holds
    rendered mail), but only the campaigns that can be read are known to be disabled and held."""
    from engine.project.load import check_project

    project, diagnostics = check_project(config_path)
    if project is None and any(d.code != "C106" for d in diagnostics):  # C106: no rules folder, nothing to hold
        say("warning: the rules cannot be read; only paused campaigns are held, not disabled ones, and "
            "category opt-outs are not checked", "send.rules_unreadable", level=logging.WARNING)
    return project


def _report_failures(engine: Engine, project: Project | None, summary: DispatchSummary) -> None:
    from engine.observability.failures import report
    from engine.runner.outcome import delivery_failures

    if summary.failed:
        with engine.connect() as conn:
            report(delivery_failures(conn, project, summary), summary.failed)


def _still_queued(engine) -> int:
    from sqlalchemy import func, select

    from engine.store.models import Delivery

    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Delivery).where(Delivery.status == "queued")).scalar_one()


def _report(summary, log_format: str, waiting: int) -> None:
    import json

    if log_format == "json":
        typer.echo(json.dumps({"event": "send.summary", **summary.as_dict(), "still_queued": waiting}, default=str))
        return
    if summary.unavailable:
        typer.echo(f"error: cannot send: {summary.unavailable}", err=True)
        typer.echo(f"{waiting} deliveries stay queued for the next run.", err=True)
        if not summary.claimed:
            return
    elif not summary.claimed and not summary.reclaimed:
        typer.echo(f"Nothing to send via {summary.backend}.")
        return
    typer.echo(
        f"Sent {summary.sent}, failed {summary.failed}, deferred {summary.deferred}, "
        f"suppressed {summary.suppressed} via {summary.backend}."
        + (f" Took over {summary.reclaimed} stale deliveries." if summary.reclaimed else "")
        + (f" Added {summary.bounced} hard-bounced addresses to the suppression list." if summary.bounced else "")
    )
