"""Reading addresses to suppress from a file: a CSV with an `email` column (and optionally `reason`, `detail`),
or plain text with one address per line (blank lines and `#` comments skipped)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from engine.addresses import address_problem
from engine.suppression.store import Entry, normalise


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


def read_addresses(path: Path, default_reason: str) -> tuple[list[Entry], list[Problem]]:
    """Every entry in the file and every bad line. The caller adds nothing unless the problem list is empty."""
    text = path.read_text(encoding="utf-8-sig")
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if "email" in [cell.strip().lower() for cell in next(csv.reader([first]), [])]:
        return _from_csv(text, default_reason)
    entries: list[Entry] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        address = line.split("#", 1)[0].strip()
        if address:
            _check(number, address, Entry(normalise(address), default_reason), entries, problems)
    return entries, problems


def _from_csv(text: str, default_reason: str) -> tuple[list[Entry], list[Problem]]:
    entries: list[Entry] = []
    problems: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text.lstrip()))
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    for row in reader:
        address = (row.get("email") or "").strip()
        entry = Entry(normalise(address), (row.get("reason") or "").strip() or default_reason,
                      (row.get("detail") or "").strip() or None)
        _check(reader.line_num, address, entry, entries, problems)
    return entries, problems


def _check(line: int, address: str, entry: Entry, entries: list[Entry], problems: list[Problem]) -> None:
    problem = address_problem(address)
    if problem is None:
        entries.append(entry)
    else:
        problems.append(Problem(line, problem))
