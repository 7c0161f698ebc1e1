"""The shipped campaigns over the example dataset: each audience query selects exactly the customers the
Python evaluation passes, on SQLite and PostgreSQL; streaming yields the same ids in batches."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tests.conditions.kit import Situation, python_verdicts
from engine.audience import audience_context, audience_query, count_query, iter_audience
from engine.cli.app import app
from engine.project import load_project
from engine.store.models import Customer
from engine.timeutil import parse_instant

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "rekindle.yaml"
NOW = "2026-11-23T09:00:00Z"


@pytest.fixture
def example_store(store_engine: Engine, store_url: str) -> Engine:
    env = {"REKINDLE_STORE_URL": store_url}
    for kind, extra in (("customers", ["--now", NOW]), ("events", [])):
        result = CliRunner().invoke(
            app, ["import", kind, str(ROOT / "examples" / "data" / f"{kind}.csv"), "--config", str(CONFIG), *extra],
            env=env,
        )
        assert result.exit_code == 0, result.output
    return store_engine


def test_every_shipped_audience_agrees_with_python(example_store: Engine) -> None:
    project = load_project(CONFIG)
    now = parse_instant(NOW)
    defaults = project.config.defaults
    sizes = {}
    for campaign in project.campaigns:
        situation = Situation(now=now, segments=project.segments, default_timezone=defaults.timezone,
                              activity_events=defaults.activity_events)
        by_python = {key for key, verdict in python_verdicts(example_store, campaign.audience, situation).items()
                     if verdict.passed}
        with example_store.connect() as connection:
            ctx = audience_context(connection, campaign, now=now, activity_events=defaults.activity_events,
                                   segments=project.segments, default_timezone=defaults.timezone)
            ids = list(iter_audience(connection, audience_query(campaign, ctx), batch=7))
            count = connection.execute(count_query(campaign, ctx)).scalar_one()
            external = set(connection.execute(select(Customer.external_id).where(Customer.id.in_(ids))).scalars())
        assert external == by_python, campaign.id
        assert count == len(ids) == len(set(ids)) and ids == sorted(ids), campaign.id
        sizes[campaign.id] = count
    # The example data is built so that every shipped campaign has someone to talk to at NOW.
    assert all(sizes.values()), sizes
