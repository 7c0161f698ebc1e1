"""The typed Project every engine function takes: the config plus every valid campaign and segment."""

from __future__ import annotations

from dataclasses import dataclass

from engine.catalog import Catalog
from engine.conditions.segment import Segment
from engine.config.model import Config
from engine.rules.model import Campaign


@dataclass(frozen=True)
class Project:
    config: Config
    campaigns: tuple[Campaign, ...]
    segments: dict[str, Segment]
    catalog: Catalog | None = None
    """The data catalog (catalog.yaml), None when the project has none."""

    def campaign(self, campaign_id: str) -> Campaign | None:
        return next((c for c in self.campaigns if c.id == campaign_id), None)

    def categories(self) -> dict[str, str]:
        """{campaign id: category} of the campaigns that declare one: what the sender checks opt-outs against."""
        return {c.id: c.category for c in self.campaigns if c.category}
