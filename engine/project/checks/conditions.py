"""Checks inside condition trees: where `since: enrolled` may appear, and values that can never match."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from engine.diagnostics import Diagnostic
from engine.diagnostics.docpath import DocPath, format_path
from engine.project.checks.sources import ProjectSources, condition_roots, walk_conditions
from engine.documents.yaml_loader import YamlDocument
from engine.timeutil import parse_duration

_YEAR = timedelta(days=366)

_ENROLMENT_SCOPED = {("exit",), ("goal", "condition")}
"""Roots where "since the customer enrolled" means something (plus each step's `when`)."""


def since_enrolled_placement(sources: ProjectSources) -> Iterator[Diagnostic]:
    """`since: enrolled` needs an enrolment: fine in exit, goal and step `when`, meaningless in an audience, a
    segment or a lifecycle stage (rekindle.yaml), which hold for customers whether or not they are enrolled."""
    for document in sources.condition_documents():
        for root, node in condition_roots(document):
            if root in _ENROLMENT_SCOPED or root[0] == "steps":
                continue
            where = ("a segment" if root == ("condition",) else "a lifecycle stage" if root[0] == "lifecycle"
                     else format_path(root))
            for kind, body, path in walk_conditions(node, root):
                if kind in ("event", "aggregate") and "since" in body:
                    yield Diagnostic(
                        "R206", f"since: enrolled is not allowed in {where}: nobody is enrolled before entering",
                        document.location((*path, "since")), format_path((*path, "since")),
                        hint="use `within:` in audiences; `since: enrolled` belongs in exit, goal or a step's when",
                    )


def value_ranges(sources: ProjectSources) -> Iterator[Diagnostic]:
    """`between` with its bounds reversed, and zero-length periods, would silently match nobody (in rules,
    segments and the lifecycle stages of rekindle.yaml alike)."""
    for document in sources.condition_documents():
        for root, node in condition_roots(document):
            for kind, body, path in walk_conditions(node, root):
                if not isinstance(body, dict):
                    continue
                comparisons = [(path, body), *[((*path, "where", i), f) for i, f in enumerate(body.get("where", ()))]]
                if "count" in body:
                    comparisons.append(((*path, "count"), body["count"]))
                for where, comparison in comparisons:
                    low_high = comparison.get("between")
                    if low_high and kind == "last_event":
                        low_high = [parse_duration(bound) for bound in low_high]
                    if low_high and _reversed(low_high):
                        yield Diagnostic("R205", f"between {comparison['between']} at {format_path(where)} can never match; "
                                         "write the low value first", document.location((*where, "between")),
                                         format_path((*where, "between")))
                for key in ("within", "for"):
                    if kind in ("event", "inactive", "aggregate") and key in body and not parse_duration(body[key]):
                        yield _zero_period(document, (*path, key))
                if kind == "anniversary" and "within" in body and parse_duration(body["within"]) > _YEAR:
                    yield Diagnostic("R205", f"{format_path((*path, 'within'))} is longer than a year; an anniversary "
                                     "comes round every year, so at most 366d", document.location((*path, "within")),
                                     format_path((*path, "within")))
        goal_within = (document.data.get("goal") or {}).get("within")
        if goal_within and not parse_duration(goal_within):
            yield _zero_period(document, ("goal", "within"))


def _reversed(pair: list[Any]) -> bool:
    low, high = pair
    same_kind = isinstance(low, str) == isinstance(high, str)
    return same_kind and low > high


def _zero_period(document: YamlDocument, path: DocPath) -> Diagnostic:
    return Diagnostic("R205", f"{format_path(path)} is a zero-length period and can never match; use e.g. 1d",
                      document.location(path), format_path(path))
