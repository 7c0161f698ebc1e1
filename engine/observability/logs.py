"""Structured logging on top of the stdlib: a record's `extra` fields are data, formatted late.

    log.warning("deferred", extra={"event": "delivery.deferred", "delivery_id": 7, "reply": "451 4.3.0 ..."})

`--log-format json` prints one JSON object per line (time, level, logger, message and every extra field);
text prints `level message key=value ...` for a person at a terminal.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import TextIO

#: Attributes every LogRecord has; anything else on a record came from `extra` and is structured data.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def fields(record: logging.LogRecord) -> dict[str, object]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **fields(record),
        }
        if record.exc_info:
            document["error"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{key}={value}" for key, value in fields(record).items())
        return f"{record.levelname.lower()}: {record.getMessage()}" + (f" {extras}" if extras else "")


def configure(log_format: str = "text", level: int = logging.WARNING, stream: TextIO | None = None) -> None:
    """Send Rekindle's loggers (`rekindle.*`) to `stream` (stderr) in the chosen format. Idempotent."""
    logger = logging.getLogger("rekindle")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
