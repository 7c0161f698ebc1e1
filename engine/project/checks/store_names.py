"""`validate --against-store`: every data name the rules use looked up in the store (R212).

One EXISTS query per distinct name (event names on the events index, properties within their event, attributes
over the customers), never a scan per rule. A name the store has never seen is an error, unless the catalog
declares it: then it is a warning (declared, simply not seen yet, e.g. an event about to launch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Iterator

from engine.catalog import BUILTIN_FIELDS, Catalog
from engine.conditions.compare import JsonKey
from engine.conditions.dates import DATETIME_FIELDS
from engine.diagnostics import Diagnostic, Severity
from engine.diagnostics.docpath import format_path
from engine.diagnostics.suggest import did_you_mean
from engine.project.checks.names import NameUse, name_uses
from engine.project.checks.sources import ProjectSources

if TYPE_CHECKING:
    from sqlalchemy import Connection

NEVER_SEEN = "R212"


class StoreNames:
    """Cached existence lookups on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._known: dict[tuple[str, ...], bool] = {}
        self._event_names: list[str] | None = None

    def _exists(self, key: tuple[str, ...], *criteria) -> bool:
        from sqlalchemy import exists, select

        if key not in self._known:
            self._known[key] = bool(self.connection.execute(select(exists().where(*criteria))).scalar())
        return self._known[key]

    def event_names(self) -> list[str]:
        from sqlalchemy import select

        from engine.conditions.sql import events

        if self._event_names is None:
            self._event_names = list(self.connection.execute(select(events.c.name).distinct()).scalars())
        return self._event_names

    def seen(self, use: NameUse) -> bool:
        from engine.conditions.sql import customers, events

        if use.kind == "event":
            return self._exists(("event", use.name), events.c.name == use.name)
        if use.kind == "property":
            return self._exists(("property", use.event or "", use.name), events.c.name == use.event,
                                JsonKey(events.c.properties, use.name).present())
        if use.name in BUILTIN_FIELDS or (use.needs == "date" and use.name in DATETIME_FIELDS):
            return True
        return self._exists(("attribute", use.name), JsonKey(customers.c.attributes, use.name).present())


def _declared(use: NameUse, catalog: Catalog | None) -> bool:
    if catalog is None:
        return False
    if use.kind == "event":
        return use.name in catalog.events
    if use.kind == "property":
        return use.name in getattr(catalog.events.get(use.event or ""), "properties", {})
    return use.name in catalog.attributes


def store_names(sources: ProjectSources) -> Iterator[Diagnostic]:
    if sources.store is None:
        return
    store = StoreNames(sources.store)
    for document in sources.condition_documents():  # lifecycle stages too
        for use in name_uses(document):
            if use.kind == "property" and not store.seen(NameUse("event", use.event or "", use.path)):
                continue  # the event itself is reported
            if store.seen(use):
                continue
            declared = _declared(use, sources.catalog)
            what = {"event": f'event "{use.name}"', "property": f'property "{use.name}" of event "{use.event}"',
                    "customer": f'attribute "{use.name}"'}[use.kind]
            suggestion = did_you_mean(use.name, store.event_names()) if use.kind == "event" else ""
            yield Diagnostic(
                NEVER_SEEN, f"{what} has never been seen in the store" + suggestion, document.location(use.path),
                format_path(use.path), severity=Severity.warning if declared else Severity.error,
                hint="declared in the catalog, so only a warning: check it is being imported" if declared else
                     "no customer or event has it: a rule with it selects nobody (or everybody under `not`)",
            )
