"""Structured logging on top of the stdlib: a record's `extra` fields are data, formatted late.

    log.warning("deferred", extra={"event": "delivery.deferred", "delivery_id": 7, "reply": "451 4.3.0 ..."})

`--log-format json` (an option of every command, engine/cli/app.py) prints one JSON object per line (time,
level, logger, message, the fields bound to the work in hand such as `run_id`, and every extra field); text
prints `level message key=value ...` for a person at a terminal, errors only, since each command prints its
own summary for people.

    with bound(run_id=17):
        log.info("run.finished", extra={...})   # carries "run_id": 17 in JSON
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import TextIO

FORMATS = ("text", "json")
_bound: ContextVar[dict[str, object]] = ContextVar("rekindle_log_fields", default={})
_format: ContextVar[str] = ContextVar("rekindle_log_format", default="text")

#: Attributes every LogRecord has; anything else on a record came from `extra` and is structured data.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def fields(record: logging.LogRecord) -> dict[str, object]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


@contextmanager
def bound(**values: object) -> Iterator[None]:
    """Add `values` (e.g. the run id) to every record logged inside the block, in this thread or task."""
    token = _bound.set({**_bound.get(), **values})
    try:
        yield
    finally:
        _bound.reset(token)


def bind(**values: object) -> None:
    """Add `values` to every later record of this context (a command binds its run id once it has one)."""
    _bound.set({**_bound.get(), **values})


def current_format() -> str:
    """The format chosen with `--log-format` (text unless a command was asked for json)."""
    return _format.get()


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_bound.get(),
            **fields(record),
        }
        if record.exc_info:
            document["error"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{key}={value}" for key, value in fields(record).items())
        return f"{record.levelname.lower()}: {record.getMessage()}" + (f" {extras}" if extras else "")


def configure(log_format: str = "text", level: int | None = None, stream: TextIO | None = None) -> None:
    """Send Rekindle's loggers (`rekindle.*`) to `stream` (stderr) in the chosen format. Idempotent. The level
    defaults to INFO for json (every event, for machines) and ERROR for text (people read the summary)."""
    _format.set(log_format)
    if level is None:
        level = logging.INFO if log_format == "json" else logging.ERROR
    logger = logging.getLogger("rekindle")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
