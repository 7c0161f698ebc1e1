"""`rekindle send`: dispatch the queued deliveries through the configured backend (docs/delivery.md).

Exit codes: 0 everything due was handled, 1 some deliveries failed permanently, 3 the transport (SMTP) was
unreachable, in which case the unsent work stays queued for the next run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TypedDict

import typer

from engine.cli.options import ConfigOption, NowOption
from engine.errors import Unavailable, WorkFailed


class LogFormat(str, Enum):
    text = "text"
    json = "json"


class _DispatchOptions(TypedDict):
    """The command line's share of `engine.delivery.dispatch.dispatch`'s keyword arguments."""

    now: datetime | None
    worker_id: str | None
    batch_size: int
    limit: int | None
    lease: timedelta


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
    log_format: LogFormat = typer.Option(
        LogFormat.text, "--log-format", help="text (warnings for people) or json (every outcome, JSON lines)."
    ),
) -> None:
    """Send what is queued in the outbox. Exit codes: 0 done, 1 some deliveries failed permanently,
    3 SMTP unreachable (the work stays queued)."""
    import logging
    import sys

    from engine.cli.store import ready_store
    from engine.delivery.dispatch import dispatch
    from engine.delivery.registry import BackendConfigError, backend_from_config
    from engine.observability.logs import configure
    from engine.timeutil import parse_duration

    try:
        lease_span = parse_duration(lease)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lease") from None
    # Text output is the summary below; the per-delivery log is for machines (--log-format json).
    configure(log_format.value, logging.INFO if log_format is LogFormat.json else logging.ERROR)
    config, engine = ready_store(config_path)
    try:
        backend = backend_from_config(config)
    except BackendConfigError as exc:
        raise BackendConfigError(f"delivery: {exc}") from None

    options = _DispatchOptions(now=now, worker_id=worker_id, batch_size=batch_size, limit=limit, lease=lease_span)
    if log_format is LogFormat.text and sys.stderr.isatty():
        summary = _dispatch_with_progress(engine, backend, options)
    else:
        summary = dispatch(engine, backend, **options)
    waiting = _still_queued(engine) if summary.unavailable else 0
    engine.dispose()
    _report(summary, log_format, waiting)
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
        total = count_due(conn, to_naive_utc(options["now"] or datetime.now(timezone.utc)), options["lease"])
    if options["limit"] is not None:
        total = min(total, options["limit"])
    columns = (TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("send", total=total)
        return dispatch(engine, backend, **options,
                        on_batch=lambda summary: progress.update(task, completed=summary.claimed))


def _still_queued(engine) -> int:
    from sqlalchemy import func, select

    from engine.store.models import Delivery

    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Delivery).where(Delivery.status == "queued")).scalar_one()


def _report(summary, log_format: LogFormat, waiting: int) -> None:
    import json

    if log_format is LogFormat.json:
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
    for failure in summary.failures[:20]:
        typer.echo(f"  failed: delivery {failure['delivery_id']}: {failure['reason']}", err=True)
    if len(summary.failures) > 20:
        typer.echo(f"  ... and {len(summary.failures) - 20} more (see `--log-format json`)", err=True)
