"""Load one rule file (a campaign) or segment file: checked YAML, schema validation, then the typed model.

A file that fails here yields diagnostics and no object; cross-file checks (engine/rules/checks) only ever
see files that passed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from engine.diagnostics import Diagnostic
from engine.conditions.segment import Segment
from engine.rules.model import Campaign, build_campaign, build_segment
from engine.documents.schema_check import schema_problems
from engine.documents.yaml_loader import YamlDocument, load_yaml_file


@dataclass(frozen=True)
class CampaignSource:
    """A valid campaign with the document it came from (for locating later problems)."""

    path: Path
    document: YamlDocument
    campaign: Campaign


@dataclass(frozen=True)
class SegmentSource:
    path: Path
    document: YamlDocument
    segment: Segment


def load_campaign_file(path: Path, display: str) -> tuple[CampaignSource | None, list[Diagnostic]]:
    document, problems = _load_valid(path, display, "rule")
    if document is None:
        return None, problems
    steps = document.data["steps"]
    campaign = build_campaign(document.data, source=display,
                              step_locations=[document.location(("steps", i)) for i in range(len(steps))])
    campaign = replace(campaign, location=document.location(()))
    return CampaignSource(path, document, campaign), problems


def load_segment_file(path: Path, display: str) -> tuple[SegmentSource | None, list[Diagnostic]]:
    document, problems = _load_valid(path, display, "segment")
    if document is None:
        return None, problems
    return SegmentSource(path, document, build_segment(document.data, source=display)), problems


def _load_valid(path: Path, display: str, schema: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    document, problems = load_yaml_file(path, display)
    if document is None:
        return None, problems
    problems += schema_problems(document, schema)
    return (None if problems else document), problems
