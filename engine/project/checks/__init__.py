"""Semantic checks (R2xx, S1xx) over every rule and segment file that passed its schema.

Each check is a function `(sources: ProjectSources) -> Iterable[Diagnostic]`; `CHECKS` is the list run by
`rekindle validate` and `load_project`. To add one (for example compiling every referenced template), write the
function in its own module and append it to `CHECKS` below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from engine.diagnostics import Diagnostic
from engine.project.checks.catalog import catalog_names
from engine.project.checks.conditions import since_enrolled_placement, value_ranges
from engine.project.checks.identity import unique_campaign_ids, unique_segment_ids, unique_step_ids
from engine.project.checks.references import segment_cycles, segments_exist, templates_exist
from engine.project.checks.settings import schedule_reaches_windows, send_windows, variants
from engine.project.checks.sources import ProjectSources
from engine.project.checks.store_names import store_names
from engine.project.checks.triggers import trigger_in_audience

Check = Callable[[ProjectSources], Iterable[Diagnostic]]

CHECKS: list[Check] = [
    unique_campaign_ids,
    unique_step_ids,
    unique_segment_ids,
    since_enrolled_placement,
    value_ranges,
    send_windows,
    schedule_reaches_windows,
    variants,
    trigger_in_audience,
    templates_exist,
    segments_exist,
    segment_cycles,
    catalog_names,
    store_names,
]


def run_checks(sources: ProjectSources, checks: Iterable[Check] = CHECKS) -> list[Diagnostic]:
    return [diagnostic for check in checks for diagnostic in check(sources)]


__all__ = ["CHECKS", "Check", "ProjectSources", "run_checks"]
