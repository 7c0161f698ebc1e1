"""`rekindle status`: the last runs, the outbox, failures, paused campaigns, long-deferred steps, and whether
the store and the relay answer; exit 1 when something needs attention, so a monitor can call it."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import typer

from engine.cli.options import ConfigOption, NowOption, OutputFormat, resolve_now


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def status(
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json."),
    runs: int = typer.Option(5, "--runs", min=1, help="How many of the last runs to show."),
    window: str = typer.Option("1d", "--window", help="Report failures of this recent period, e.g. 1d."),
    queued_over: str = typer.Option("1h", "--queued-over", help="A delivery due longer than this needs attention."),
    deferred_over: str = typer.Option("2d", "--deferred-over",
                                      help="A step deferred by its send window longer than this needs attention."),
    no_relay: bool = typer.Option(False, "--no-relay", help="Do not try to reach the relay."),
) -> None:
    """How the store stands: exit 0 when all is well, 1 when something needs attention (listed first)."""
    from engine.delivery.registry import BackendConfigError, backend_from_config
    from engine.project.load import check_project
    from engine.operations.status import NeedsAttention, Status, Thresholds, check_relay, gather
    from engine.config.store import load_store_config, open_store
    from engine.store.connect import StoreError
    from engine.store.migrate import store_state

    thresholds = Thresholds(_span(window, "--window"), _span(queued_over, "--queued-over"),
                            _span(deferred_over, "--deferred-over"), runs)
    at = resolve_now(now).replace(tzinfo=None)
    try:
        config = load_store_config(config_path)
        engine = open_store(config)
    except StoreError as exc:
        if exc.unreachable is False and exc.diagnostics:
            from engine.cli.notes import say
            from engine.diagnostics.formatters import format_text

            say(format_text(exc.diagnostics), "store.invalid", level=logging.ERROR,
                diagnostics=[d.to_dict() for d in exc.diagnostics])
        report = Status(now=at, store={"reachable": False, "error": exc.message},
                        attention=[f"the store cannot be used: {exc.message}"])
        _print(report, fmt)
        raise NeedsAttention() from None
    problem = store_state(engine).problem()
    if problem is not None:
        engine.dispose()
        report = Status(now=at, store={"reachable": True, "error": problem}, attention=[problem])
        _print(report, fmt)
        raise NeedsAttention()
    project, _ = check_project(config_path)
    disabled = tuple(c.id for c in project.campaigns if not c.enabled) if project is not None else ()
    every = config.schedule.every if config.schedule is not None else None
    with engine.connect() as conn:
        report = gather(conn, at, thresholds, disabled, every)
    engine.dispose()
    if not no_relay:
        try:
            report.relay = check_relay(backend_from_config(config))
        except BackendConfigError as exc:
            report.relay = {"reachable": False, "backend": config.delivery.backend, "error": str(exc)}
        if not report.relay["reachable"]:
            report.attention.append(f"the relay is unreachable: {report.relay['error']}")
    _print(report, fmt)
    if report.attention:
        raise NeedsAttention()


def _span(text: str, flag: str):
    from engine.timeutil import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=flag) from None


def _print(report, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(report.as_dict(), indent=2, default=str))
        return
    from engine.operations.status_text import render

    typer.echo(render(report))
