"""The per-kind case tables (cases/<kind>.yaml): each case is decided by the SQL path and by the Python path,
on SQLite and PostgreSQL, and both must give the expected answer (and, when given, the exact explanation).

A case file is `{now: <instant>, cases: [...]}`; a case has `name`, `customer` (store fields, `attributes`,
`events: [{name, at, properties}]`), `condition`, `expected`, and optionally `now`, `default_timezone`,
`enrolled_at`, `segments: {name: condition}`, `description` (the Python verdict's exact sentence).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from tests.conditions.kit import Situation, load_store, segments_from, sql_selection, python_verdicts, stored_time
from engine.conditions import KINDS, parse_condition
from engine.timeutil import as_utc

CASES = Path(__file__).parent / "cases"


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        for case in document["cases"]:
            merged = {"now": document["now"], **case}
            params.append(pytest.param(merged, id=f"{path.stem}: {case['name']}"))
    return params


def test_every_kind_has_a_case_file() -> None:
    assert {path.stem for path in CASES.glob("*.yaml")} >= set(KINDS) - {"all", "any", "not"} | {"logic"}


@pytest.mark.parametrize("case", _load_cases())
def test_case(case: dict[str, Any], store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        load_store(connection, [case["customer"]])
    condition = parse_condition(case["condition"])
    situation = Situation(
        now=as_utc(stored_time(case["now"])),
        segments=segments_from(case.get("segments", {})),
        default_timezone=case.get("default_timezone", "UTC"),
        enrolled_at=stored_time(case.get("enrolled_at")),
    )
    selected = sql_selection(store_engine, condition, situation)
    verdict = python_verdicts(store_engine, condition, situation)["c1"]
    assert ("c1" in selected, verdict.passed) == (case["expected"], case["expected"]), verdict.description
    if "description" in case:
        assert verdict.description == case["description"]
