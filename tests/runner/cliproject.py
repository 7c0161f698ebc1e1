"""A real project on disk for CLI tests: rekindle.yaml, rule files and templates written from strings, with
the store at a given URL (created through the migrations) and a few customers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from engine.store.database import open_engine
from engine.store.models import Customer
from tests.projects import write_project as write_project_files

CONFIG = """\
version: 1
store:
  url: "{url}"
rules_dir: rules
segments_dir: segments
templates_dir: templates
sender:
  from: "Test <hello@test.example>"
delivery:
  backend: maildir
  maildir:
    path: outbox
defaults:
  timezone: UTC
  per_run_limit: 1000
unsubscribe:
  url: "https://test.example/u?token={{token}}"
"""

TWO_STEPS = """\
version: 1
id: nudge
name: Nudge
audience:
  subscribed: true
steps:
  - id: first
    template: nudge/first
  - id: second
    wait: 2d
    template: nudge/second
"""

TEMPLATE = "{% block subject %}Hello {{ customer.first_name }}{% endblock %}<p>Hi {{ customer.first_name }}</p>\n"


def write_project(root: Path, url: str, rules: dict[str, str] | None = None, customers: int = 5) -> Path:
    """Write the project under `root`; returns the config path."""
    (root / "segments").mkdir(parents=True, exist_ok=True)
    files = {f"rules/{name}": text for name, text in (rules or {"nudge.yaml": TWO_STEPS}).items()}
    files |= {f"templates/{name}.html": TEMPLATE for name in ("nudge/first", "nudge/second")}
    config = write_project_files(root, CONFIG.format(url=url), files, migrate_store=url)
    engine = open_engine(url)
    rows = [
        {"external_id": f"c{i:04d}", "email": f"c{i}@test.example", "first_name": f"Name{i}", "timezone": "UTC",
         "created_at": datetime(2026, 1, 1) + timedelta(days=i % 30), "subscribed": True, "attributes": {}}
        for i in range(customers)
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(Customer.__table__), rows)
    engine.dispose()
    return config
