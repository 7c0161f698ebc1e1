"""The import file formats and how a file name implies one: all the command line needs to declare
`rekindle import`'s options, without the reader (engine/importer/source.py) and what it imports."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

STDIN = "-"


class FileFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


_EXTENSIONS = {".csv": FileFormat.csv, ".jsonl": FileFormat.jsonl, ".ndjson": FileFormat.jsonl}


def detect_format(path: str) -> FileFormat | None:
    """The format implied by the file name (`.csv`, `.jsonl`, `.ndjson`, each optionally `.gz`), or None."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None
