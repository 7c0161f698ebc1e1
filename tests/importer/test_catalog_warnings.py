"""Import against the data catalog: undeclared events, properties and attributes are one warning per name
(I409) and are imported; --strict rejects the file; a broken catalog stops the import before it reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.documents.paths import display_path

if TYPE_CHECKING:  # the fixtures come from conftest.py; this is only for the annotations
    from conftest import Project

def shown(project: Project) -> str:
    """How messages name the project's catalog file (relative to the working directory when below it)."""
    return display_path(project.root / "catalog.yaml")


CATALOG = """version: 1
attributes:
  plan: {type: string}
  lifetime_value: {type: number}
events:
  login: {}
  purchase:
    properties:
      amount: {type: number}
"""


def test_undeclared_attributes_are_one_warning_per_name_and_still_imported(project: Project) -> None:
    project.write("catalog.yaml", CATALOG)
    path = project.write("customers.csv", "id,email,plan,lifetimevalue,tier\n"
                                          "c1,a@example.com,pro,10,gold\nc2,b@example.com,free,20,\n")
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{path}:2:1: I409 attribute 'lifetimevalue' is not declared in {shown(project)} (did you mean "
        "\"lifetime_value\"?): 2 rows, first on line 2",
        f"{path}:2:1: I409 attribute 'tier' is not declared in {shown(project)}: 1 row, first on line 2",
        f"Imported 2 customer rows from {path} (2 warnings).",
    ]
    assert project.customers("external_id", "attributes")[0] == ("c1", {"plan": "pro", "lifetimevalue": 10,
                                                                        "tier": "gold"})


def test_undeclared_events_and_properties(project: Project) -> None:
    project.write("catalog.yaml", CATALOG)
    project.rekindle("import", "customers", str(project.write("c.csv", "id,email\nc1,a@example.com\n")))
    path = project.write("events.csv", "customer_id,name,occurred_at,amount,total\n"
                                       "c1,purchase,2026-11-01T00:00:00Z,10,\n"
                                       "c1,purchase,2026-11-02T00:00:00Z,,12\n"
                                       "c1,purchsae,2026-11-03T00:00:00Z,5,\n")
    result = project.rekindle("import", "events", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{path}:3:1: I409 property 'total' of event 'purchase' is not declared in {shown(project)}: 1 row, first "
        "on line 3",
        f"{path}:4:1: I409 event 'purchsae' is not declared in {shown(project)} (did you mean \"purchase\"?): 1 row, "
        "first on line 4",
        f"Imported 3 event rows from {path} (2 warnings).",
    ]


def test_strict_rejects_undeclared_names_and_imports_nothing(project: Project) -> None:
    project.write("catalog.yaml", CATALOG)
    path = project.write("customers.csv", "id,email,plan,tier\nc1,a@example.com,pro,\nc2,b@example.com,,gold\n")
    result = project.rekindle("import", "customers", str(path), "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:3:1: I409 attribute 'tier' is not declared in {shown(project)} (--strict refuses undeclared names)",
        f"Nothing imported from {path}: 1 of 2 rows rejected, and --strict refuses the whole file.",
    ]
    assert project.customers("external_id") == []


def test_without_a_catalog_nothing_is_checked(project: Project) -> None:
    path = project.write("customers.csv", "id,email,tier\nc1,a@example.com,gold\n")
    result = project.rekindle("import", "customers", str(path), "--strict")
    assert (result.exit_code, result.stdout) == (0, f"Imported 1 customer row from {path}.\n")


def test_a_broken_catalog_stops_the_import(project: Project) -> None:
    project.write("catalog.yaml", "version: 1\nattributes:\n  plan: {type: text}\n")
    path = project.write("customers.csv", "id,email\nc1,a@example.com\n")
    result = project.rekindle("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{shown(project)}:3:16: K101 wrong type at attributes.plan.type: expected a type (string, number, "
        'boolean, date, array or object), or a list of them when the data holds several, got "text"')
    assert project.customers("external_id") == []
