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


def parse_instant_option(value: str) -> datetime:
    """An ISO 8601 instant from the command line, as an aware UTC datetime (Typer's `parser=` for options
    annotated `datetime`; an absent option never reaches it)."""
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


#: What --help shows for an option typed `datetime` or `re.Pattern` but written as text: Typer would name the
#: Python type (`<datetime>`), while the value is an ISO 8601 instant or a regular expression typed as text.
TEXT_METAVAR = "<str>"


ConfigOption = typer.Option(
    Path("rekindle.yaml"), "--config", "-c", help="Project config file.", envvar="REKINDLE_CONFIG"
)
CampaignOption = typer.Option(None, "--campaign", help="Only this campaign id (repeatable).")
NowOption = typer.Option(
    None,
    "--now",
    help="Pretend the current time is this ISO 8601 instant (e.g. 2026-11-23T09:00:00Z), for reproducible output.",
    parser=parse_instant_option,
    metavar=TEXT_METAVAR,
)
"""`--now`: parsed into an aware UTC datetime, so a command takes it as `now: datetime | None = NowOption`."""


def instant_option(flag: str, help: str):
    """An optional ISO 8601 instant option (`--since`, `--until`), parsed like `--now`."""
    return typer.Option(None, flag, help=help, parser=parse_instant_option, metavar=TEXT_METAVAR)


def naive(moment: datetime | None) -> datetime | None:
    """An aware instant as the store keeps it (naive UTC); None stays None."""
    from engine.timeutil import to_naive_utc

    return to_naive_utc(moment) if moment is not None else None


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
