"""What a command tells the operator on stderr beside its output (`wrote FILE`, `note: ...`, a summary line),
written so that `--log-format json` keeps stderr pure JSON lines: with text, the line as written; with json,
the same message as one event (time, level, event name, fields), so a log shipper never meets a stray line."""

from __future__ import annotations

import logging

import typer

from engine.observability.logs import current_format

log = logging.getLogger("rekindle.cli")


def say(message: str, event: str, *, level: int = logging.INFO, **fields: object) -> None:
    """`message` on stderr for a person, or, under `--log-format json`, the event `event` with `fields`."""
    if current_format() == "json":
        log.log(level, message, extra={"event": event, **fields})
    else:
        typer.echo(message, err=True)
