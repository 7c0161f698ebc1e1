"""Command-line options shared by several verbs, so they read and behave the same everywhere."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

import typer
import typer.main

from engine.timeutil import parse_instant


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


ConfigOption = typer.Option(
    Path("rekindle.yaml"), "--config", "-c", help="Project config file.", envvar="REKINDLE_CONFIG"
)
NowOption = typer.Option(
    None,
    "--now",
    help="Pretend the current time is this ISO 8601 instant (e.g. 2026-11-23T09:00:00Z), for reproducible output.",
    callback=_parse_now,
)


def naive_instant(text: str | None, flag: str) -> datetime | None:
    """An ISO 8601 option value (`--since`, `--until`) as stored: naive UTC; None stays None."""
    from engine.timeutil import to_naive_utc

    if text is None:
        return None
    try:
        return to_naive_utc(parse_instant(text))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=flag) from None


def resolve_now(now: datetime | None) -> datetime:
    """The instant a command works at: `--now` when given, else the wall clock, always aware UTC."""
    return now if now is not None else datetime.now(timezone.utc)


LOG_FORMAT_FLAG = "--log-format"


class LogFormat(str, Enum):
    text = "text"
    json = "json"


def _configure_logging(value: LogFormat) -> LogFormat:
    from engine.observability.logs import configure

    configure(value.value)
    return value


def _carrier(
    log_format: LogFormat = typer.Option(
        LogFormat.text, LOG_FORMAT_FLAG, envvar="REKINDLE_LOG_FORMAT", is_eager=True, expose_value=False,
        callback=_configure_logging,
        help="text (errors for people) or json (every event as JSON lines with time and run id) on stderr.",
    ),
) -> None:
    """Only here so Typer builds the shared option (`log_format_option`) through its public API."""


def log_format_option():
    """`--log-format text|json`, which engine/cli/app.py gives every command: json writes every event of the
    command to stderr as JSON lines (time, level, event, the run id when there is one); text writes errors
    only, for people. Eager, so logging is set up before the command runs. Also REKINDLE_LOG_FORMAT."""
    carrier = typer.Typer()
    carrier.command()(_carrier)
    return typer.main.get_command(carrier).params[0]
