"""Ids that must be unique: campaign ids across files, step and variant ids within a campaign, segment ids."""

from __future__ import annotations

from collections.abc import Iterator

from engine.diagnostics import Diagnostic
from engine.project.checks.sources import ProjectSources


def unique_campaign_ids(sources: ProjectSources) -> Iterator[Diagnostic]:
    first: dict[str, str] = {}
    for source in sources.campaigns:
        campaign = source.campaign
        location = source.document.location(("id",))
        if campaign.id in first:
            yield Diagnostic("R201", f'campaign id "{campaign.id}" is already used by {first[campaign.id]}',
                             location, "id", hint="campaign ids are unique across all rule files")
        else:
            first[campaign.id] = str(source.document.location(("id",)))


def unique_step_ids(sources: ProjectSources) -> Iterator[Diagnostic]:
    for source in sources.campaigns:
        document = source.document
        seen: dict[str, int] = {}
        for index, step in enumerate(document.data["steps"]):
            if step["id"] in seen:
                yield Diagnostic("R202", f'duplicate step id "{step["id"]}" (also steps[{seen[step["id"]]}])',
                                 document.location(("steps", index, "id")), f"steps[{index}].id")
            seen.setdefault(step["id"], index)
            variants: set[str] = set()
            for number, variant in enumerate(step.get("variants", ())):
                if variant["id"] in variants:
                    yield Diagnostic("R202", f'duplicate variant id "{variant["id"]}" in steps[{index}]',
                                     document.location(("steps", index, "variants", number, "id")),
                                     f"steps[{index}].variants[{number}].id")
                variants.add(variant["id"])


def unique_segment_ids(sources: ProjectSources) -> Iterator[Diagnostic]:
    first: dict[str, str] = {}
    for source in sources.segments:
        segment_id = source.segment.id
        location = source.document.location(("id",))
        if source.path.stem != segment_id:
            yield Diagnostic("S102", f'segment id "{segment_id}" differs from its file name "{source.path.name}"',
                             location, "id", hint=f"rename the file to {segment_id}.yaml or change the id")
        if segment_id in first:
            yield Diagnostic("S101", f'segment id "{segment_id}" is already used by {first[segment_id]}',
                             location, "id")
        else:
            first[segment_id] = str(location)
