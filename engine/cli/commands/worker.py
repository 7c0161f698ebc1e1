"""`rekindle worker`: run ticks on the declared schedule and send due mail in between, until SIGTERM
(engine/runner/worker.py, docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.notes import say
from engine.observability.logs import current_format
from engine.cli.options import ConfigOption
from engine.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    config_path: Path = ConfigOption,
    every: str | None = typer.Option(None, "--every",
                                     help="Tick on this schedule instead of `schedule:` (e.g. 15m, '1d at 09:00')."),
    send_every: str = typer.Option("1m", "--send-every", help="How often to send due mail between ticks."),
    health_file: Path | None = typer.Option(None, "--health-file",
                                            help="Write the worker's health (JSON) here after every cycle."),
    batch_size: int = typer.Option(100, "--batch-size", min=1, help="Deliveries claimed per transaction."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, show_default="the number of cores",
        help="Processes rendering a tick's due emails, this one included, as `rekindle run --workers` "
             "(docs/operations.md#scaling-out)."),
) -> None:
    """Run the campaigns unattended: a tick at start and on the schedule, due mail sent in between, steps
    ticked the moment their send window opens. SIGTERM or Ctrl-C stops it after the batch in hand (exit 0)."""
    import signal

    from engine.cli.commands.run import configured_backend
    from engine.cli.project import load_project_or_exit
    from engine.suppression.tokens import secret_from_env
    from engine.cli.store import ready_store
    from engine.config.schedule import parse_cadence
    from engine.runner.parallel import default_workers
    from engine.runner.worker import Worker, WorkerOptions
    from engine.timeutil import parse_duration

    project = load_project_or_exit(config_path)
    cadence = project.config.schedule
    if every is not None:
        try:
            cadence = parse_cadence(every if every.startswith("every ") else f"every {every}")
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--every") from None
    if cadence is None:
        raise UsageError("the worker needs a schedule: declare `schedule: every 15m` in rekindle.yaml or pass "
                         "--every 15m")
    try:
        send_span = parse_duration(send_every)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--send-every") from None
    secret_from_env(project.config.unsubscribe.secret_env)
    config, engine = ready_store(config_path)
    backend = configured_backend(config)
    options = WorkerOptions(cadence, send_span, health_file, batch_size=batch_size,
                            workers=workers or default_workers())
    loop = Worker(project, engine, backend, options)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: loop.request_stop())
    say(f"worker {loop.health.pid}: ticks {cadence.describe()} (UTC), sends every {send_every}, renders with "
        f"{options.workers} process(es); SIGTERM stops it after the batch in hand", "worker.started",
        pid=loop.health.pid, schedule=cadence.describe(), send_every=send_every, workers=options.workers)
    health = loop.run()
    engine.dispose()
    if current_format() != "json":  # the worker logs worker.stopped itself
        typer.echo(f"worker {health.pid} stopped cleanly after {health.ticks} ticks and {health.sends} sends",
                   err=True)
