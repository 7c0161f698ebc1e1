"""The snapshot file: JSON Lines (gzip-compressed when the name ends in .gz). The first line is a header,
then one record per row (`{"t": "customer", ...}`, `event`, `enrollment`, `suppression`), then a trailer with
the counts, so a truncated file is detected when it is loaded."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO

FORMAT = "rekindle-snapshot"
VERSION = 1
KINDS = ("customer", "event", "enrollment", "suppression")


def open_text(path: Path, mode: str) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")
