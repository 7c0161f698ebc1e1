"""A small real project for preview tests: config in a temp folder, the shipped rules, and its own templates."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from tests.projects import write_project

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-23T09:00:00Z"
CUSTOMERS_CSV = """id,email,first_name,last_name,locale,timezone,created_at,subscribed,plan,birthday,company,country,lifetime_value
csv_1,grace@example.com,Grace,Hopper,en-US,America/New_York,2024-02-01T10:00:00Z,true,pro,1906-12-09,Navy,US,120.50
csv_2,linus@example.com,,Torvalds,fi-FI,Europe/Helsinki,2025-06-01T10:00:00Z,true,free,1969-12-28,,FI,0
"""


def make_project(root: Path, store_url: str, *, csv: bool = True) -> Path:
    """rekindle.yaml under `root` using the shipped rules and a copy of the shipped templates."""
    shutil.copytree(ROOT / "templates", root / "templates")
    return write_project(
        root,
        "version: 1\n"
        f"store:\n  url: \"{store_url}\"\n"
        "allow_folders_outside_project: true\n"  # the shipped rules and segments, read in place
        f"rules_dir: {ROOT / 'rules'}\nsegments_dir: {ROOT / 'segments'}\ntemplates_dir: templates\n"
        "sender:\n  from: \"Ana at Acme <ana@acme.example>\"\n"
        "unsubscribe:\n  url: \"https://acme.example/u?token={token}\"\n  mailto: unsub@acme.example\n"
        "tracking:\n  utm: {source: rekindle, medium: email}\n",
        {"examples/data/customers.csv": CUSTOMERS_CSV} if csv else {},
    )


def invoke(*args: str):
    return CliRunner().invoke(app, ["preview", *args], catch_exceptions=False)
