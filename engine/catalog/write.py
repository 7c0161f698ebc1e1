"""Writing a catalog back as YAML: one block per event, each field on one line, a header naming the schema."""

from __future__ import annotations

from typing import Any

import yaml

from engine.catalog.model import Catalog, FieldSpec

HEADER = """# yaml-language-server: $schema={schema}
#
# The data catalog: the events this project's rules use, with their properties, and the customer attributes,
# with their types. `rekindle validate` checks every name in rules, segments and templates against it;
# `rekindle import` warns about names it does not declare (--strict rejects them). `rekindle catalog infer`
# refreshes `seen` and `examples` from the store and adds new names; types and descriptions you write stay.
# Reference: docs/catalog.md
"""


class _Field(dict):
    """A field's mapping, written on one line."""


def _field(spec: FieldSpec) -> dict[str, Any]:
    body: dict[str, Any] = _Field()
    body["type"] = spec.types[0] if len(spec.types) == 1 else list(spec.types)
    if spec.description:
        body["description"] = spec.description
    if spec.seen is not None:
        body["seen"] = spec.seen
    if spec.examples:
        body["examples"] = list(spec.examples)
    return body


def catalog_document(catalog: Catalog) -> dict[str, Any]:
    events: dict[str, Any] = {}
    for name, event in catalog.events.items():
        body: dict[str, Any] = {}
        if event.description:
            body["description"] = event.description
        if event.seen is not None:
            body["seen"] = event.seen
        if event.properties:
            body["properties"] = {key: _field(spec) for key, spec in event.properties.items()}
        events[name] = body
    return {"version": 1, "attributes": {key: _field(spec) for key, spec in catalog.attributes.items()},
            "events": events}


class _Dumper(yaml.SafeDumper):
    """Block style for the catalog's structure, flow style for each field's one-line mapping."""


def _represent_field(dumper: yaml.SafeDumper, data: _Field) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


_Dumper.add_representer(_Field, _represent_field)


def dump_catalog(catalog: Catalog, schema: str = "schemas/catalog.v1.json") -> str:
    body = yaml.dump(catalog_document(catalog), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)
    return HEADER.format(schema=schema) + body
