"""The committed example data is exactly what examples/generate.py writes, and it imports without a rejection."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.store.models import Customer

if TYPE_CHECKING:  # the fixtures come from conftest.py; this is only for the annotations
    from conftest import Project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_generator():
    spec = importlib.util.spec_from_file_location("example_generator", EXAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_regenerating_the_example_data_gives_identical_files(tmp_path: Path) -> None:
    generator = load_generator()
    generator.main(["--out", str(tmp_path)])
    for name in ("customers.csv", "events.csv", "events-later.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / "data" / name).read_bytes(), name


def test_another_reference_date_moves_every_date(tmp_path: Path) -> None:
    generator = load_generator()
    generator.main(["--out", str(tmp_path), "--now", "2027-03-01T09:00:00Z"])
    assert "2027-03-01T07:00:00Z" in (tmp_path / "customers.csv").read_text(encoding="utf-8")  # today's sign-up


def test_the_example_data_imports_cleanly_with_every_persona(project: Project) -> None:
    generator = load_generator()
    for kind in ("customers", "events"):
        result = project.rekindle("import", kind, str(EXAMPLES / "data" / f"{kind}.csv"), "--now", generator.REFERENCE_NOW)
        assert result.exit_code == 0, result.output
        assert "rejected" not in result.stdout
    now = datetime(2026, 11, 23, 9)
    table = Customer.__table__.c

    def quiet(low: int, high: int | None) -> int:
        query = select(func.count()).where(table.last_active_at <= now - timedelta(days=low))
        if high is not None:
            query = query.where(table.last_active_at > now - timedelta(days=high))
        return project.rows(query)[0][0]

    assert quiet(90, 180) == generator.PERSONAS["quiet-90"]
    assert quiet(180, None) == generator.PERSONAS["quiet-180"]
    assert project.rows(select(func.count()).where(table.subscribed.is_(False)))[0][0] >= 5
    timezones = {zone for (zone,) in project.customers("timezone")}
    assert {"America/New_York", "Europe/Paris", "Australia/Sydney", "Asia/Kolkata", None} <= timezones
