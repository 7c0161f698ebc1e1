"""Names against the data catalog: unknown events, properties, fields and attributes (with did-you-mean) and
comparisons whose value can never match the declared type. Runs only when the project has a catalog."""

from __future__ import annotations

from collections.abc import Iterator

from engine.catalog import BUILTIN_FIELDS, Catalog, FieldSpec, value_type
from engine.conditions.dates import DATETIME_FIELDS
from engine.diagnostics import Diagnostic
from engine.diagnostics.docpath import format_path
from engine.diagnostics.suggest import did_you_mean
from engine.documents.yaml_loader import YamlDocument
from engine.project.checks.names import NameUse, compared_values, name_uses
from engine.project.checks.sources import ProjectSources

UNKNOWN_EVENT, UNKNOWN_PROPERTY, UNKNOWN_ATTRIBUTE, TYPE_MISMATCH = "R208", "R209", "R210", "R211"
ORDERING = ("lt", "lte", "gt", "gte", "between")


def catalog_names(sources: ProjectSources) -> Iterator[Diagnostic]:
    """Every name in a condition of a campaign, a segment or a lifecycle stage (rekindle.yaml), checked against
    the catalog: a stage with a misspelt event would silently put customers in the wrong stage of the report."""
    catalog = sources.catalog
    if catalog is None:
        return
    for document in sources.condition_documents():
        for use in name_uses(document):
            yield from _check(use, catalog, document)


def _check(use: NameUse, catalog: Catalog, document: YamlDocument) -> Iterator[Diagnostic]:
    where = document.location(use.path)
    shown = format_path(use.path)
    if use.kind == "event":
        if use.name not in catalog.events:
            yield Diagnostic(UNKNOWN_EVENT, f'unknown event "{use.name}": {catalog.source} declares no such event'
                             + did_you_mean(use.name, catalog.events), where, shown, hint=_declare_hint(catalog))
        return
    if use.kind == "property":
        event = catalog.events.get(use.event or "")
        if event is None:
            return  # the unknown event is reported already
        spec = event.properties.get(use.name)
        if spec is None:
            known = f"; it has {', '.join(event.properties)}" if event.properties else "; it has no properties"
            yield Diagnostic(UNKNOWN_PROPERTY, f'event "{use.event}" has no property "{use.name}" in '
                             f"{catalog.source}{known}" + did_you_mean(use.name, event.properties), where, shown,
                             hint=_declare_hint(catalog))
            return
        yield from _types(use, spec, f'property "{use.name}" of event "{use.event}"', document)
        return
    if use.needs == "date" and use.name in DATETIME_FIELDS:
        return  # created_at, last_active_at: stored times
    spec = catalog.customer_field(use.name)
    if spec is None:
        yield Diagnostic(UNKNOWN_ATTRIBUTE, f'unknown customer field or attribute "{use.name}": not a built-in field '
                         f"and {catalog.source} declares no such attribute"
                         + did_you_mean(use.name, catalog.customer_names()), where, shown, hint=_declare_hint(catalog))
        return
    what = f'field "{use.name}"' if use.name in BUILTIN_FIELDS else f'attribute "{use.name}"'
    yield from _types(use, spec, what, document)


def _types(use: NameUse, spec: FieldSpec, what: str, document: YamlDocument) -> Iterator[Diagnostic]:
    if use.needs == "date" and not spec.accepts("date"):
        yield Diagnostic(TYPE_MISMATCH, f"{what} is {_a(spec)} in the catalog, not a date", document.location(use.path),
                         format_path(use.path), hint="days_since and anniversary count days from a date (YYYY-MM-DD)")
    if use.needs == "number" and "number" not in spec.types:
        yield Diagnostic(TYPE_MISMATCH, f"{what} is {_a(spec)} in the catalog; only numbers can be aggregated",
                         document.location(use.path), format_path(use.path))
    if use.comparison is None:
        return
    op, values = compared_values(use.comparison)
    parent = use.path[:-1]
    if op == "contains":
        text = {"string", "date"} & set(spec.types)
        if "array" not in spec.types and not (text and isinstance(values[0], str)):
            reason = (f"contains {_show(values[0])} looks for a number in text" if text
                      else "contains needs text or a list")
            yield Diagnostic(TYPE_MISMATCH, f"{reason}, but {what} is {_a(spec)} in the catalog, so it can never "
                             "match", document.location((*parent, op)), format_path((*parent, op)),
                             hint=_type_hint(spec, values[0]))
        return
    for value in values:
        kind = value_type(value)
        ordered = op in ORDERING and (kind == "boolean" or spec.types == ("boolean",))
        if not spec.accepts(kind) or ordered:
            yield Diagnostic(TYPE_MISMATCH, f"{what} is {_a(spec)} in the catalog, so {op} {_show(value)} can "
                             "never match", document.location((*parent, op)), format_path((*parent, op)),
                             hint=_type_hint(spec, value))
            return


def _a(spec: FieldSpec) -> str:
    text = spec.shown_type()
    return ("an " if text[0] in "aeiou" else "a ") + text


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _type_hint(spec: FieldSpec, value: object) -> str:
    if "string" in spec.types and not isinstance(value, str):
        return f'text compares with text: write "{value}" in quotes if that is the value you mean'
    if "number" in spec.types and isinstance(value, str):
        return "numbers compare with numbers: write the value without quotes"
    return "compare with a value of the declared type"


def _declare_hint(catalog: Catalog) -> str:
    return f"fix the spelling, or declare it in {catalog.source} (`rekindle catalog infer` adds what the store holds)"
