"""`rekindle catalog infer`: write or refresh the data catalog (catalog.yaml) from what the store holds."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from engine.cli.notes import say
from engine.cli.options import ConfigOption

catalog_app = typer.Typer(help="The data catalog: declared events, properties and attributes (docs/catalog.md).")


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")


@catalog_app.command("infer")
def infer(
    config_path: Path = ConfigOption,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of the project's catalog file (config `catalog`).",
        show_default=False,
    ),
    fresh: bool = typer.Option(
        False, "--fresh", help="Ignore the existing file: write only what the store holds (no descriptions kept).",
    ),
) -> None:
    """Write the catalog from the store: every event name, property and customer attribute seen, with its
    type, how often it was seen and its least and greatest values. An existing catalog is updated: new names
    are added, counts and examples refreshed, declared types and descriptions kept."""
    from engine.catalog import Catalog, catalog_file, require_catalog
    from engine.catalog.infer import infer_catalog, merge
    from engine.catalog.write import dump_catalog
    from engine.cli.store import ready_store, store_errors
    from engine.documents.paths import display_path
    from engine.documents.schemas import SCHEMA_DIR

    config, engine = ready_store(config_path)
    target = output or catalog_file(config)
    existing = None if fresh or (output is not None and not output.is_file()) else require_catalog(config) \
        if output is None else _load_other(output)
    with store_errors("reading the store"), engine.connect() as connection:
        seen = infer_catalog(connection)
    engine.dispose()
    catalog, notes = merge(existing or Catalog(), seen)
    schema = Path(_relative(_schema_file(config.root, SCHEMA_DIR), target.parent))
    target.parent.mkdir(parents=True, exist_ok=True)  # `-o out/catalog.yaml` into a folder not made yet
    target.write_text(dump_catalog(catalog, schema.as_posix()), encoding="utf-8")
    for note in notes:
        say(f"note: {note}", "catalog.note", level=logging.WARNING)
    properties = sum(len(event.properties) for event in catalog.events.values())
    typer.echo(f"Wrote {display_path(target)}: {len(catalog.events)} events with {properties} properties, "
               f"{len(catalog.attributes)} attributes.")


def _load_other(path: Path):
    from engine.catalog.load import CatalogInvalid, load_catalog

    catalog, diagnostics = load_catalog(path)
    if diagnostics:
        raise CatalogInvalid(f"the catalog {path} is invalid", diagnostics)
    return catalog


def _schema_file(root: Path, installed: Path) -> Path:
    """The schema the written file's editor header names: the project's own copy (schemas/, which `rekindle
    init` writes and git holds, so the path is the same on every clone), else the installed one."""
    project = root / "schemas" / "catalog.v1.json"
    return project if project.is_file() else installed / "catalog.v1.json"


def _relative(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(target.resolve(), start.resolve())
