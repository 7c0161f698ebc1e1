"""What a change does to the campaign files themselves: campaigns added, removed and changed, and for a
changed campaign which keys changed, old -> new (steps compared by id, so a reorder or a renamed step shows
as what it is). Read from the validated documents of both projects, never from text diffs of YAML."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.documents.paths import yaml_files
from engine.documents.yaml_loader import load_yaml_file
from engine.project import Project

ABSENT = None
"""What `old` (added) or `new` (removed) holds for a key that exists on one side only."""


@dataclass(frozen=True)
class KeyChange:
    key: str
    """Dotted path: `audience`, `send_window.start`, `steps.offer.wait`, `steps` (the order of step ids)."""
    old: Any
    new: Any

    def describe(self, width: int = 80) -> str:
        return f"{self.key}: {short(self.old, width)} → {short(self.new, width)}"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class CampaignDiff:
    campaign: str
    status: str
    """added, removed, changed or unchanged."""
    keys: list[KeyChange] = field(default_factory=list)


def short(value: Any, width: int = 80) -> str:
    """A value as compact one-line JSON (YAML's flow style reads the same), cut at `width` characters."""
    if value is ABSENT:
        return "(none)"
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def campaign_documents(project: Project) -> dict[str, dict[str, Any]]:
    """Every campaign document of a (valid) project by campaign id, as loaded from its rule files."""
    config = project.config
    documents: dict[str, dict[str, Any]] = {}
    segments = config.path(config.segments_dir).absolute()
    for path in yaml_files([config.path(config.rules_dir)], []):
        if path.absolute().is_relative_to(segments):
            continue
        document, _ = load_yaml_file(path, str(path))
        if document is not None and isinstance(document.data, dict) and "id" in document.data:
            documents[document.data["id"]] = document.data
    return documents


def _mapping_changes(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[KeyChange]:
    changes = []
    for key in sorted(set(old) | set(new), key=lambda k: (list(new).index(k) if k in new else len(new), k)):
        before, after = old.get(key, ABSENT), new.get(key, ABSENT)
        if before == after:
            continue
        path = f"{prefix}{key}"
        if isinstance(before, dict) and isinstance(after, dict) and key == "send_window":
            changes += _mapping_changes(f"{path}.", before, after)
        else:
            changes.append(KeyChange(path, before, after))
    return changes


def _step_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[KeyChange]:
    old_by_id = {step["id"]: step for step in old}
    new_by_id = {step["id"]: step for step in new}
    changes = []
    if list(old_by_id) != list(new_by_id):
        changes.append(KeyChange("steps", list(old_by_id), list(new_by_id)))
    for step_id in [*new_by_id, *(i for i in old_by_id if i not in new_by_id)]:
        before, after = old_by_id.get(step_id), new_by_id.get(step_id)
        if before is None or after is None:
            continue  # an added or removed step is in the order change above, and in the review's step report
        changes += _mapping_changes(f"steps.{step_id}.", {k: v for k, v in before.items() if k != "id"},
                                    {k: v for k, v in after.items() if k != "id"})
    return changes


def diff_campaign(campaign_id: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> CampaignDiff:
    if old is None:
        return CampaignDiff(campaign_id, "added")
    if new is None:
        return CampaignDiff(campaign_id, "removed")
    top = _mapping_changes("", {k: v for k, v in old.items() if k != "steps"},
                           {k: v for k, v in new.items() if k != "steps"})
    keys = top + _step_changes(old.get("steps", []), new.get("steps", []))
    return CampaignDiff(campaign_id, "changed" if keys else "unchanged", keys)


def diff_projects(base: Project, head: Project) -> list[CampaignDiff]:
    """One CampaignDiff per campaign id on either side, in the head's order, removed campaigns last."""
    old, new = campaign_documents(base), campaign_documents(head)
    ids = [c.id for c in head.campaigns] + [c.id for c in base.campaigns if head.campaign(c.id) is None]
    return [diff_campaign(campaign_id, old.get(campaign_id), new.get(campaign_id)) for campaign_id in ids]
