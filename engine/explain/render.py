"""Showing an Explanation: a rich Tree on a terminal (plain text otherwise), or JSON."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from engine.conditions.evaluate import Verdict
from engine.explain.tree import Explanation

WIDE = 1000
MARKS = {True: "[green]✓[/green]", False: "[red]✗[/red]"}


def _add(parent: Tree, verdict: Verdict) -> None:
    node = parent.add(f"{MARKS[verdict.passed]} {escape(verdict.description)}")
    for child in verdict.children:
        _add(node, child)


def as_tree(explanation: Explanation) -> Tree:
    if explanation.enrolled_at is None:
        enrolment = "not enrolled"
    else:
        enrolment = f"enrolled {explanation.enrolled_at:%Y-%m-%d %H:%M} UTC, {explanation.enrollment_status}"
    root = Tree(
        f"[bold]{escape(explanation.campaign_id)}[/bold] for customer [bold]{escape(explanation.customer_id)}"
        f"[/bold] at {explanation.now:%Y-%m-%dT%H:%M:%SZ} ({enrolment})"
    )
    for section in explanation.sections:
        if section.verdict is None:
            root.add(f"{escape(section.label)}: no condition (always)")
            continue
        branch = root.add(f"{MARKS[section.verdict.passed]} [bold]{escape(section.label)}[/bold]")
        _add(branch, section.verdict)
    return root


def print_text(explanation: Explanation, console: Console | None = None) -> None:
    """Colours on a terminal; piped or captured output is plain and never cut at 80 columns."""
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=WIDE, no_color=True, highlight=False)
    console.print(as_tree(explanation), soft_wrap=True)


def as_json(explanation: Explanation) -> str:
    return json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False)
