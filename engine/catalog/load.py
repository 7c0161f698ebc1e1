"""Reading `catalog.yaml`: the located YAML loader and the catalog schema, then the typed Catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.catalog.model import Catalog, EventSpec, FieldSpec
from engine.config.model import Config
from engine.diagnostics import Diagnostic
from engine.documents.paths import display_path
from engine.documents.schema_check import schema_problems
from engine.documents.yaml_loader import load_yaml_file
from engine.errors import InvalidInput

CATALOG_CODES = dict.fromkeys(("unknown_key", "type", "value", "missing", "duration", "range", "other"), "K101")
"""Every schema problem of a catalog file is K101 (YAML syntax problems keep their R1xx codes)."""


class CatalogInvalid(InvalidInput):
    """The catalog file has errors; `diagnostics` lists them."""


def catalog_file(config: Config) -> Path:
    return config.path(config.catalog)


def _field(body: dict[str, Any]) -> FieldSpec:
    types = body["type"]
    return FieldSpec(types=(types,) if isinstance(types, str) else tuple(types), description=body.get("description", ""),
                     seen=body.get("seen"), examples=tuple(body.get("examples", ())))


def build_catalog(data: dict[str, Any], source: str = "") -> Catalog:
    """A Catalog from a schema-valid document."""
    events = {
        name: EventSpec(description=(body or {}).get("description", ""), seen=(body or {}).get("seen"),
                        properties={key: _field(spec) for key, spec in (body or {}).get("properties", {}).items()})
        for name, body in (data.get("events") or {}).items()
    }
    attributes = {name: _field(body) for name, body in (data.get("attributes") or {}).items()}
    return Catalog(events=events, attributes=attributes, source=source)


def load_catalog(path: Path, display: str | None = None) -> tuple[Catalog | None, list[Diagnostic]]:
    """The catalog in `path` and its problems; (None, []) when the file does not exist (no catalog)."""
    if not path.is_file():
        return None, []
    shown = display or display_path(path)
    document, diagnostics = load_yaml_file(path, shown)
    if document is None:
        return None, diagnostics
    diagnostics += schema_problems(document, "catalog", CATALOG_CODES)
    if diagnostics:
        return None, diagnostics
    return build_catalog(document.data, shown), []


def require_catalog(config: Config) -> Catalog | None:
    """The project's catalog (None when it has none), or CatalogInvalid with every problem."""
    path = catalog_file(config)
    catalog, diagnostics = load_catalog(path)
    if diagnostics:
        raise CatalogInvalid(f"the catalog {display_path(path)} is invalid", diagnostics)
    return catalog
