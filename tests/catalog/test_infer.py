"""`rekindle catalog infer`: the shipped catalog is exactly what the example data gives, on both databases;
an update keeps what people wrote and notes what disagrees with the data."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from engine.catalog import Catalog, EventSpec, FieldSpec, load_catalog
from engine.catalog.infer import infer_catalog, merge
from engine.catalog.write import dump_catalog
from engine.importer.run import ImportOptions, import_file
from engine.importer.source import FileFormat
from engine.store.models import Customer, Event

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


@pytest.fixture
def example_store(store_engine: Engine) -> Engine:
    for kind in ("customers", "events"):
        report = import_file(store_engine, str(ROOT / "examples" / "data" / f"{kind}.csv"),
                             ImportOptions(kind=kind, file_format=FileFormat.csv, now=NOW))
        assert report.ok, report.format_text()
    return store_engine


def _without_descriptions(catalog: Catalog) -> Catalog:
    return Catalog(
        events={name: replace(event, description="", properties={k: replace(p, description="")
                                                                 for k, p in event.properties.items()})
                for name, event in catalog.events.items()},
        attributes={name: replace(spec, description="") for name, spec in catalog.attributes.items()},
    )


def test_the_shipped_catalog_is_what_the_example_data_gives(example_store: Engine) -> None:
    shipped, problems = load_catalog(ROOT / "catalog.yaml")
    assert problems == [] and shipped is not None
    with example_store.connect() as connection:
        seen = infer_catalog(connection)
    assert seen == _without_descriptions(replace(shipped, source=""))
    refreshed, notes = merge(shipped, seen)
    assert notes == []
    assert dump_catalog(refreshed) == (ROOT / "catalog.yaml").read_text(encoding="utf-8")


def test_types_counts_and_examples_come_from_sql_aggregates(store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        ids = [connection.execute(insert(Customer.__table__).values(
            external_id=f"c{i}", email=f"c{i}@example.com", created_at=NOW.replace(tzinfo=None), attributes=attrs,
        )).inserted_primary_key[0] for i, attrs in enumerate([
            {"plan": "pro", "seats": 3, "trial_started_at": "2026-01-03", "tags": ["a"]},
            {"plan": "Zed", "seats": 12.5, "trial_started_at": "2026-02-01T10:00:00Z", "vip": True},
            {"seats": "many", "trial_started_at": "soon"},
        ])]
        connection.execute(insert(Event.__table__), [
            {"customer_id": ids[0], "name": "purchase", "occurred_at": NOW.replace(tzinfo=None),
             "properties": {"amount": 10, "sku": "B"}},
            {"customer_id": ids[1], "name": "purchase", "occurred_at": NOW.replace(tzinfo=None),
             "properties": {"amount": 250.75, "sku": "A"}},
            {"customer_id": ids[1], "name": "login", "occurred_at": NOW.replace(tzinfo=None), "properties": {}},
        ])
        seen = infer_catalog(connection)
    assert seen.attributes == {
        "plan": FieldSpec(("string",), seen=2, examples=("Zed", "pro")),  # byte order: upper case first
        "seats": FieldSpec(("number", "string"), seen=3, examples=(3, 12.5)),
        "tags": FieldSpec(("array",), seen=1),
        "trial_started_at": FieldSpec(("string",), seen=3, examples=("2026-01-03", "soon")),
        "vip": FieldSpec(("boolean",), seen=1),
    }
    assert list(seen.events) == ["login", "purchase"]
    assert seen.events["login"].seen == 1 and seen.events["login"].properties == {}
    assert seen.events["purchase"].properties == {
        "amount": FieldSpec(("number",), seen=2, examples=(10, 250.75)),
        "sku": FieldSpec(("string",), seen=2, examples=("A", "B")),
    }


def test_an_update_keeps_declared_types_and_descriptions_and_notes_disagreements(tmp_path: Path) -> None:
    declared = Catalog(
        events={"signup": EventSpec(description="Signed up")},
        attributes={"seats": FieldSpec(("number",), description="Paid seats", seen=1, examples=(1,))},
    )
    seen = Catalog(attributes={"seats": FieldSpec(("number", "string"), seen=3, examples=(3, 12.5)),
                               "plan": FieldSpec(("string",), seen=2, examples=("a", "b"))})
    merged, notes = merge(declared, seen)
    assert merged.attributes == {
        "seats": FieldSpec(("number",), description="Paid seats", seen=3, examples=(3, 12.5)),
        "plan": FieldSpec(("string",), seen=2, examples=("a", "b")),
    }
    assert merged.events["signup"].seen == 0 and merged.events["signup"].description == "Signed up"
    assert notes == ["event signup: declared but never seen in the store",
                     "attribute seats: declared number, the store holds number or string (kept as declared)"]
    path = tmp_path / "catalog.yaml"
    path.write_text(dump_catalog(merged), encoding="utf-8")
    reloaded, problems = load_catalog(path)
    assert problems == [] and replace(reloaded, source="") == merged


def test_infer_on_the_command_line_updates_the_project_file_and_names_the_projects_schema(
        example_store: Engine, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor header points at the project's schemas/ copy (the same path on every clone), not at wherever
    Rekindle is installed; descriptions written by hand stay."""
    from typer.testing import CliRunner

    from engine.cli.app import app

    (tmp_path / "schemas").mkdir()
    shutil.copy(ROOT / "schemas" / "catalog.v1.json", tmp_path / "schemas" / "catalog.v1.json")
    (tmp_path / "catalog.yaml").write_text(
        "version: 1\nevents:\n  purchase: {description: A payment; amount is in USD}\n", encoding="utf-8")
    config = tmp_path / "rekindle.yaml"
    config.write_text(f"version: 1\nstore: {{url: '{store_url}'}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["catalog", "infer", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Wrote catalog.yaml: 7 events with 5 properties, 5 attributes.\n"
    written = (tmp_path / "catalog.yaml").read_text(encoding="utf-8")
    assert written.startswith("# yaml-language-server: $schema=schemas/catalog.v1.json\n")
    assert "    description: A payment; amount is in USD\n" in written
    result = CliRunner().invoke(app, ["catalog", "infer", "-c", str(config), "--fresh", "-o", "out/catalog.yaml"])
    assert result.exit_code == 0, result.output
    fresh = (tmp_path / "out" / "catalog.yaml").read_text(encoding="utf-8")
    assert fresh.startswith("# yaml-language-server: $schema=../schemas/catalog.v1.json\n")
    assert "description: " not in fresh
