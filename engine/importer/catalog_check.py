"""Imported names against the data catalog: events, event properties and customer attributes it does not
declare. Without --strict each such name is one warning (I409) with how many rows have it and the first line;
with --strict each such row is rejected, so nothing of the file is imported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.catalog import Catalog
from engine.diagnostics.suggest import did_you_mean
from engine.importer.report import ImportReport
from engine.importer.values import RowError

UNDECLARED = "I409"


@dataclass
class _Seen:
    line: int
    message: str
    rows: int = 0


@dataclass
class CatalogGuard:
    catalog: Catalog
    kind: str  # customers or events
    strict: bool
    seen: dict[tuple[str, ...], _Seen] = field(default_factory=dict)

    def _problems(self, record: dict[str, Any]) -> list[tuple[tuple[str, ...], str, str]]:
        """(key, message, column) for each undeclared name in a parsed record."""
        source = self.catalog.source
        if self.kind == "customers":
            declared = self.catalog.attributes
            return [(("attribute", name), f"attribute {name!r} is not declared in {source}"
                     + did_you_mean(name, declared), name)
                    for name in record.get("attributes", {}) if name not in declared]
        event = self.catalog.events.get(record["name"])
        if event is None:
            return [(("event", record["name"]), f"event {record['name']!r} is not declared in {source}"
                     + did_you_mean(record["name"], self.catalog.events), "name")]
        return [(("property", record["name"], name), f"property {name!r} of event {record['name']!r} is not "
                 f"declared in {source}" + did_you_mean(name, event.properties), name)
                for name in record.get("properties", {}) if name not in event.properties]

    def check(self, line: int, record: dict[str, Any]) -> None:
        """Count the record's undeclared names; under --strict raise RowError for the first one."""
        problems = self._problems(record)
        if problems and self.strict:
            _, message, column = problems[0]
            raise RowError(UNDECLARED, f"{message} (--strict refuses undeclared names)", column)
        for key, message, _ in problems:
            self.seen.setdefault(key, _Seen(line, message)).rows += 1

    def report_to(self, report: ImportReport) -> None:
        for seen in self.seen.values():
            rows = f"{seen.rows:,} row{'s' if seen.rows != 1 else ''}"
            report.warn(seen.line, UNDECLARED, f"{seen.message}: {rows}, first on line {seen.line}")
