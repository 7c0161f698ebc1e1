"""The misspelling corpus (tests/fixtures/misspelt/): events, properties, attributes, built-in fields, template
names and vars, each misspelt once in rules, a segment, a template or a lifecycle stage of rekindle.yaml, each
reported at its exact file:line:column with the nearest correct name; and the same names looked up in a real
store."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store.models import Customer, Event

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "misspelt"

EXPECTED = [
    'rekindle.yaml:9:28: R208 unknown event "purchse": catalog.yaml declares no such event (did you mean "purchase"?)',
    'rekindle.yaml:10:32: R210 unknown customer field or attribute "pln": not a built-in field and catalog.yaml declares no such attribute (did you mean "plan"?)',
    'rekindle.yaml:11:52: R211 attribute "lifetime_value" is a number in the catalog, so eq "high" can never match',
    'rules/winback.yaml:5:27: R208 unknown event "purchsae": catalog.yaml declares no such event (did you mean "purchase"?)',
    'rules/winback.yaml:6:46: R209 event "purchase" has no property "amont" in catalog.yaml; it has amount, sku (did you mean "amount"?)',
    'rules/winback.yaml:7:25: R210 unknown customer field or attribute "lifetimevalue": not a built-in field and catalog.yaml declares no such attribute (did you mean "lifetime_value"?)',
    'rules/winback.yaml:8:25: R210 unknown customer field or attribute "frist_name": not a built-in field and catalog.yaml declares no such attribute (did you mean "first_name"?)',
    'rules/winback.yaml:9:36: R211 attribute "plan" is a string in the catalog, so gte 1000 can never match',
    'rules/winback.yaml:10:61: R211 property "sku" of event "purchase" is a string in the catalog; only numbers can be aggregated',
    'rules/winback.yaml:11:26: R208 unknown event "logn": catalog.yaml declares no such event (did you mean "login"?)',
    'rules/winback.yaml:12:27: R210 unknown customer field or attribute "birthdya": not a built-in field and catalog.yaml declares no such attribute (did you mean "birthday"?)',
    'rules/winback.yaml:13:44: R211 contains 1 looks for a number in text, but attribute "country" is a string in the catalog, so it can never match',
    'rules/winback.yaml:14:35: R211 attribute "plan" is a string in the catalog, so in 3 can never match',
    'rules/winback.yaml:15:27: R211 attribute "lifetime_value" is a number in the catalog, not a date',
    'rules/winback.yaml:17:25: R210 unknown customer field or attribute "last_active_at": not a built-in field and catalog.yaml declares no such attribute (did you mean "last_name"?)',
    'rules/winback.yaml:19:49: T307 vars.discount is set but no template of step \'offer\' reads it (did you mean "discount_usd"? the template reads vars.discount_usd)',
    'segments/buyers.yaml:5:46: R209 event "purchase" has no property "skuu" in catalog.yaml; it has amount, sku (did you mean "sku"?)',
    'segments/buyers.yaml:6:61: R209 event "purchase" has no property "amuont" in catalog.yaml; it has amount, sku (did you mean "amount"?)',
    'templates/winback/offer.html:2:28: T302 campaign \'winback\' step \'offer\' does not set vars.discount_usd (did you mean "discount"?)',
    'templates/winback/offer.html:2:69: T302 customer has no field \'first_nmae\' (did you mean "first_name"?); custom data is under customer.attributes',
    'templates/winback/offer.html:4:19: T302 customer has no field \'frist_name\' (did you mean "first_name"?); custom data is under customer.attributes',
    'templates/winback/offer.html:4:45: T302 customer has no field \'lsat_name\' (did you mean "last_name"?); custom data is under customer.attributes',
    'templates/winback/offer.html:4:92: T302 the catalog (catalog.yaml) declares no attribute \'lifetimevalue\' (did you mean "lifetime_value"?)',
    'templates/winback/offer.html:5:7: T302 \'customr\' is not defined; templates can use campaign, customer, now, step, unsubscribe_url, variant, vars (did you mean "customer"?)',
    'templates/winback/offer.html:5:36: T302 campaign has no field \'nmae\' (did you mean "name"?) (fields: id, name, vars, locale, currency)',
]


def test_every_misspelling_is_reported_where_it_is_written_with_its_suggestion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    result = CliRunner().invoke(app, ["validate"])
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if not line.startswith("    ")] == EXPECTED
    assert result.stderr == "24 errors in 4 files\n"


def test_the_corpus_exercises_every_catalog_and_template_name_code() -> None:
    assert {line.split(": ", 1)[1].split(" ", 1)[0] for line in EXPECTED} == {
        "R208", "R209", "R210", "R211", "T302", "T307"}


def _project(root: Path, store_url: str, rules: str, catalog: str | None) -> Path:
    (root / "rules").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "templates" / "t.html").write_text("{% block subject %}Hi{% endblock %}", encoding="utf-8")
    (root / "rules" / "r.yaml").write_text(rules, encoding="utf-8")
    if catalog is not None:
        (root / "catalog.yaml").write_text(catalog, encoding="utf-8")
    config = root / "rekindle.yaml"
    config.write_text(f"version: 1\nstore: {{url: '{store_url}'}}\n", encoding="utf-8")
    return config


RULES = """version: 1
id: r
audience:
  all:
    - not: {event: {name: purchsae}}
    - event: {name: purchase, where: [{name: coupon, exists: true}]}
    - attribute: {name: credit, gte: 10}
    - event: {name: signup_completed}
steps:
  - {id: s, template: t}
"""


def test_against_store_reports_names_no_row_has(store_url: str, store_engine: Engine, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with store_engine.begin() as connection:
        customer = connection.execute(insert(Customer.__table__).values(
            external_id="c1", email="c1@example.com", created_at=datetime(2026, 1, 1), attributes={"plan": "pro"},
        )).inserted_primary_key[0]
        connection.execute(insert(Event.__table__), [{"customer_id": customer, "name": "purchase",
                                                      "occurred_at": datetime(2026, 2, 1), "properties": {"amount": 5}}])
    catalog = ("version: 1\nattributes: {credit: {type: number}}\nevents:\n  purchase: {properties: {coupon: {type: "
               "string}}}\n  purchsae: {}\n  signup_completed: {}\n")
    config = _project(tmp_path, store_url, RULES, catalog)
    monkeypatch.chdir(tmp_path)
    declared = CliRunner().invoke(app, ["validate", "--against-store", "-c", str(config)])
    assert declared.exit_code == 0, declared.output  # declared in the catalog: warnings only
    assert [line for line in declared.stdout.splitlines() if not line.startswith("    ")] == [
        'rules/r.yaml:5:27: R212 event "purchsae" has never been seen in the store (did you mean "purchase"?)',
        'rules/r.yaml:6:46: R212 property "coupon" of event "purchase" has never been seen in the store',
        'rules/r.yaml:7:25: R212 attribute "credit" has never been seen in the store',
        'rules/r.yaml:8:21: R212 event "signup_completed" has never been seen in the store',
    ]
    assert declared.stderr == "ok: 1 campaign and 0 segments valid (4 warnings)\n"
    (tmp_path / "catalog.yaml").unlink()
    undeclared = CliRunner().invoke(app, ["validate", "--against-store", "-c", str(config), "--format", "json"])
    assert undeclared.exit_code == 1
    assert '"severity": "error"' in undeclared.stdout and '"severity": "warning"' not in undeclared.stdout
    assert CliRunner().invoke(app, ["validate", "-c", str(config)]).exit_code == 0  # without the store: unknown


def test_the_shipped_project_uses_only_names_the_example_data_has(store_url: str, store_engine: Engine,
                                                                   tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.importer.run import ImportOptions, import_file
    from engine.importer.source import FileFormat

    root = Path(__file__).resolve().parents[2]
    for kind in ("customers", "events"):
        report = import_file(store_engine, str(root / "examples" / "data" / f"{kind}.csv"),
                             ImportOptions(kind=kind, file_format=FileFormat.csv, now=datetime(2026, 11, 23)))
        assert report.ok
    for folder in ("rules", "segments", "templates"):
        shutil.copytree(root / folder, tmp_path / folder)
    for name in ("catalog.yaml", "rekindle.yaml"):  # the shipped config: its lifecycle stages are checked too
        shutil.copy(root / name, tmp_path / name)
    config = tmp_path / "rekindle.yaml"
    monkeypatch.setenv("REKINDLE_STORE_URL", store_url)
    result = CliRunner().invoke(app, ["validate", "--against-store", "-c", str(config)])
    assert (result.exit_code, result.stdout) == (0, ""), result.output


def test_against_store_looks_up_the_names_of_lifecycle_stages(store_url: str, store_engine: Engine, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = _project(tmp_path, store_url, RULES, None)
    config.write_text(config.read_text(encoding="utf-8") + "lifecycle:\n  stages:\n"
                      "    - {id: onboarded, condition: {event: {name: onboarding_complete}}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["validate", "--against-store", "-c", str(config)])
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if line.startswith("rekindle.yaml")] == [
        'rekindle.yaml:5:49: R212 event "onboarding_complete" has never been seen in the store',
    ]
