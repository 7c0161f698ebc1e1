"""The plan as text (rich), JSON or Markdown (for a pull request's job summary)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from engine.diagnostics import Diagnostic
from engine.plan.changes import VersionChange
from engine.runner import report
from engine.runner.summary import RunSummary

CHANGE_COLUMNS = ("campaign", "on_change", "customers", "from → to", "waiting at", "effect")


def _change_cells(change: VersionChange) -> tuple[str, ...]:
    return (change.campaign, change.on_change, str(change.customers),
            f"{change.from_version} → {change.to_version}", change.waiting_at or "-", change.effect)


def _title(summary: RunSummary) -> str:
    return f"Plan: what `rekindle run --now {summary.now.isoformat().replace('+00:00', 'Z')}` would do"


def as_json(summary: RunSummary, changes: list[VersionChange], warnings: Sequence[Diagnostic] = ()) -> str:
    document = summary.to_dict()
    document = {key: document[key] for key in ("now", "limit", "limit_reached", "totals", "campaigns")}
    return json.dumps({**document, "version_changes": [c.to_dict() for c in changes],
                       "warnings": [w.to_dict() for w in warnings]}, indent=2)


def as_markdown(summary: RunSummary, changes: list[VersionChange], warnings: Sequence[Diagnostic] = ()) -> str:
    parts = [f"### {_title(summary)}", "", report.markdown(summary)]
    if warnings:
        parts += ["", "#### Warnings", ""]
        parts += [f"- `{w.location}` **{w.code}** {w.message}" for w in warnings]
    held = [c for c in summary.campaigns.values() if c.message]
    for campaign in held:
        parts += ["", f"> **Held:** {campaign.message}"]
    parts += ["", "#### Edited campaigns with customers mid-sequence", ""]
    if changes:
        parts.append("| " + " | ".join(CHANGE_COLUMNS) + " |")
        parts.append("|---|---|---:|---|---|---|")
        parts += ["| " + " | ".join(_change_cells(c)) + " |" for c in changes]
    else:
        parts.append("None: nobody mid-sequence is affected by an edit.")
    return "\n".join(parts) + "\n"


def print_text(summary: RunSummary, changes: list[VersionChange], warnings: Sequence[Diagnostic] = ()) -> None:
    console = Console(width=None if Console().is_terminal else 160)
    report.print_table(summary, _title(summary), console)
    for warning in warnings:
        console.print(f"warning: {warning.location}: {warning.code} {warning.message}", markup=False)
    if changes:
        grid = Table(title="Edited campaigns with customers mid-sequence", title_justify="left")
        for column in CHANGE_COLUMNS:
            grid.add_column(column, justify="right" if column == "customers" else "left")
        for change in changes:
            grid.add_row(*_change_cells(change))
        console.print(grid)
    else:
        console.print("No edited campaign has customers mid-sequence.")
