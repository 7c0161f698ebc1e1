"""What an import did: rows read, imported and rejected, with the I4xx diagnostics that explain each rejection.

Memory stays constant however bad the file is: only the first `LISTED` diagnostics are kept (the rest are
counted), and events for unknown customers are summarised as one diagnostic with a count and the first lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.diagnostics import Diagnostic, Location, Severity
from engine.diagnostics.formatters import format_text
from engine.importer.values import RowError

LISTED = 20
UNKNOWN_SHOWN = 5

UNREADABLE = "I408"
COLUMNS = "I402"
UNKNOWN_CUSTOMER = "I406"
DUPLICATE_ID = "I407"


@dataclass
class ImportReport:
    kind: str  # "customers" or "events"
    file: str
    rows_read: int = 0
    imported: int = 0
    rejected: int = 0
    warned: int = 0
    #: Events whose key (event_id or content key) was already stored, or repeated in the file: skipped.
    duplicates: int = 0
    #: True once the transaction committed: the imported rows are in the store.
    committed: bool = False
    #: A problem with the file as a whole (unreadable, wrong columns): nothing was imported.
    fatal: Diagnostic | None = None
    listed: list[Diagnostic] = field(default_factory=list)
    unlisted: int = 0
    unknown_rows: int = 0
    unknown_lines: list[int] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every row was imported (warnings allowed)."""
        return self.fatal is None and self.rejected == 0

    def fail(self, code: str, message: str, line: int = 0, hint: str | None = None) -> None:
        self.fatal = Diagnostic(code, message, Location(self.file, line), hint=hint)

    def reject(self, line: int, error: RowError) -> None:
        self.rejected += 1
        self._keep(Diagnostic(error.code, error.message, Location(self.file, line), path=error.column))

    def warn(self, line: int, code: str, message: str) -> None:
        self.warned += 1
        self._keep(Diagnostic(code, message, Location(self.file, line), severity=Severity.warning))

    def unknown_customer(self, line: int, external_id: str) -> None:
        self.rejected += 1
        self.unknown_rows += 1
        if len(self.unknown_lines) < UNKNOWN_SHOWN:
            self.unknown_lines.append(line)
        if len(self.unknown_ids) < UNKNOWN_SHOWN and external_id not in self.unknown_ids:
            self.unknown_ids.append(external_id)

    def _keep(self, diagnostic: Diagnostic) -> None:
        if len(self.listed) < LISTED:
            self.listed.append(diagnostic)
        else:
            self.unlisted += 1

    def diagnostics(self) -> list[Diagnostic]:
        """Every kept diagnostic in file order, the unknown-customer summary included."""
        found = list(self.listed)
        if self.unknown_rows:
            found.append(self._unknown_customers())
        if self.fatal is not None:
            found.append(self.fatal)
        return sorted(found, key=Diagnostic.sort_key)

    def _unknown_customers(self) -> Diagnostic:
        """All events of customers missing from the store, as one diagnostic: a count and the first few."""
        more = ", ..." if self.unknown_rows > len(self.unknown_lines) else ""
        lines = ", ".join(map(str, self.unknown_lines)) + more
        ids = ", ".join(repr(i) for i in self.unknown_ids) + more
        if self.unknown_rows == 1:
            message = f"1 event names a customer that is not in the store: id {ids} on line {lines}"
        else:
            message = f"{self.unknown_rows:,} events name customers that are not in the store: ids {ids} on lines {lines}"
        return Diagnostic(
            UNKNOWN_CUSTOMER,
            message,
            Location(self.file, self.unknown_lines[0]),
            path="customer_id",
            hint="import those customers first, then import these events again",
        )

    def summary(self) -> str:
        """One sentence for people and cron mail: what landed and what did not."""
        if self.fatal is not None:
            return f"Nothing imported from {self.file}."
        skipped = f"{self.rejected:,} rejected" + (
            f" ({self.unknown_rows:,} for unknown customers)" if self.unknown_rows else ""
        )
        warned = f"{self.warned:,} warning{'s' if self.warned != 1 else ''}" if self.warned else ""
        if self.duplicates:
            already = f"{self.duplicates:,} already in the store, skipped"
            warned = f"{warned}, {already}" if warned else already
        if not self.committed:
            unknown = f" ({self.unknown_rows:,} for unknown customers)" if self.unknown_rows else ""
            return (
                f"Nothing imported from {self.file}: {self.rejected:,} of {self.rows_read:,} rows rejected{unknown}, "
                "and --strict refuses the whole file."
            )
        if self.rejected:
            return f"Imported {self.imported:,} of {self._rows(self.rows_read)} from {self.file}: {skipped}" + (
                f", {warned}." if warned else "."
            )
        return f"Imported {self._rows(self.imported)} from {self.file}" + (f" ({warned})." if warned else ".")

    def _rows(self, count: int) -> str:
        return f"{count:,} {self.kind[:-1]} row{'' if count == 1 else 's'}"

    def format_text(self) -> str:
        lines = [format_text(self.diagnostics())] if self.fatal or self.listed or self.unknown_rows else []
        if self.unlisted:
            lines.append(f"... and {self.unlisted:,} more problems not shown")
        lines.append(self.summary())
        return "\n".join(lines)
