"""What semantic checks look at: the config and the campaigns and segments that passed their schema."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from engine.catalog import Catalog
from engine.config.model import Config
from engine.diagnostics.docpath import DocPath
from engine.rules.loader import CampaignSource, SegmentSource
from engine.documents.yaml_loader import YamlDocument

CAMPAIGN_CONDITIONS: tuple[DocPath, ...] = (("audience",), ("exit",), ("goal", "condition"))
"""Where a campaign holds conditions, besides each step's `when`."""


@dataclass(frozen=True)
class ProjectSources:
    config: Config
    campaigns: tuple[CampaignSource, ...]
    segments: tuple[SegmentSource, ...]
    catalog: Catalog | None = None
    """The project's data catalog; None when it has none (names are then not checked against data)."""
    store: Connection | None = None
    """A connection to the store for `validate --against-store`; None: the store is not consulted."""
    config_document: YamlDocument | None = None
    """rekindle.yaml as loaded, to locate what is found in its lifecycle stages' conditions."""

    def documents(self) -> Iterator[YamlDocument]:
        yield from (source.document for source in self.campaigns)
        yield from (source.document for source in self.segments)

    def condition_documents(self) -> Iterator[YamlDocument]:
        """Every document holding conditions: campaigns, segments and the config (its lifecycle stages)."""
        yield from self.documents()
        if self.config_document is not None:
            yield self.config_document


def condition_roots(document: YamlDocument) -> Iterator[tuple[DocPath, Any]]:
    """Every top-level condition of a campaign, segment or config document, with its path."""
    data = document.data
    if "condition" in data:
        yield ("condition",), data["condition"]
    for path in CAMPAIGN_CONDITIONS:
        node: Any = data
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            yield path, node
    for index, step in enumerate(data.get("steps", ())):
        if "when" in step:
            yield ("steps", index, "when"), step["when"]
    lifecycle = data.get("lifecycle")
    for index, stage in enumerate(lifecycle.get("stages", ()) if isinstance(lifecycle, dict) else ()):
        yield ("lifecycle", "stages", index, "condition"), stage["condition"]


def walk_conditions(node: Any, path: DocPath) -> Iterator[tuple[str, Any, DocPath]]:
    """Each condition in a schema-valid tree as (kind, body, path of the body), depth first."""
    ((kind, body),) = node.items()
    body_path = (*path, kind)
    yield kind, body, body_path
    if kind in ("all", "any"):
        for index, item in enumerate(body):
            yield from walk_conditions(item, (*body_path, index))
    elif kind == "not":
        yield from walk_conditions(body, body_path)
