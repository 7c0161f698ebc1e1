"""Presenting a tick's summary: one row per campaign and step, one column per decision that occurred.

Shared by `rekindle run` (a rich table on a terminal), `rekindle plan` (also Markdown for pull requests) and
`rekindle simulate` (per-tick totals).
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console
from rich.table import Table

from engine.runner.summary import DECISIONS, RunSummary


def rows(summary: RunSummary) -> Iterator[tuple[str, str, dict[str, int]]]:
    """(campaign, step or "(campaign)", counts) in campaign order, campaign-level row first."""
    for campaign_id, campaign in summary.campaigns.items():
        if not campaign.counts:
            yield campaign_id, "-", {}
        for step in campaign.ordered_steps():
            yield campaign_id, step or "(campaign)", {d: campaign.counts[step][d] for d in DECISIONS}


def columns(summary: RunSummary) -> list[str]:
    return [d for d in DECISIONS if summary.total(d)]


def table(summary: RunSummary) -> Table:
    shown = columns(summary)
    grid = Table()
    grid.add_column("campaign", no_wrap=True)
    grid.add_column("step", no_wrap=True)
    for decision in shown:
        grid.add_column(decision, justify="right")
    for campaign_id, step, counts in rows(summary):
        grid.add_row(campaign_id, step, *(str(counts.get(d) or "") for d in shown))
    return grid


def print_table(summary: RunSummary, title: str, console: Console | None = None) -> None:
    # Piped output (cron mail, CI logs) is not squeezed into 80 columns.
    console = console or Console(width=None if Console().is_terminal else 160)
    console.print(title, highlight=False, soft_wrap=True)
    console.print(table(summary))
    for campaign in summary.campaigns.values():
        if campaign.message:
            label = "failed" if campaign.status == "failed" else "held"
            console.print(f"[bold red]{label}[/]: {campaign.message}", highlight=False, soft_wrap=True)
    if summary.limit_reached:
        console.print(f"per-run limit of {summary.limit} emails reached: the rest stays due for the next run")


def markdown(summary: RunSummary) -> str:
    shown = columns(summary)
    lines = ["| campaign | step | " + " | ".join(shown) + " |", "|---|---|" + "---:|" * len(shown)]
    for campaign_id, step, counts in rows(summary):
        lines.append(f"| {campaign_id} | {step} | " + " | ".join(str(counts.get(d) or "") for d in shown) + " |")
    return "\n".join(lines)
