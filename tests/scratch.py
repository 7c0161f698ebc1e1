"""A scratch git repository holding a copy of the shipped project, a store with the example data and
customers mid-sequence, and helpers to commit a change and run the real CLI against it."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from tests.projects import write_project

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-23T09:00:00Z"
EARLIER = "2026-11-18T09:00:00Z"
"""The store's customers enter at EARLIER, so at NOW the win-back sequence has people waiting at `offer`."""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout


SECRET = {"REKINDLE_UNSUBSCRIBE_SECRET": "scratch-test-secret"}


def cli(*args: str, config: Path):
    """The real CLI in-process, with the unsubscribe secret set (runs refuse to sign links without it)."""
    return CliRunner().invoke(app, [*args, "--config", str(config)], catch_exceptions=False, env=SECRET)


def real_addresses() -> set[str]:
    """Every email address and name in the example data the store is loaded with."""
    with (ROOT / "examples" / "data" / "customers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row["email"] for row in rows}


def make_repo(root: Path, store_url: str, *, schedule: str = "every 15m") -> Path:
    """A git repository with the shipped rules, segments and templates, committed; returns rekindle.yaml."""
    repo = root / "campaigns"
    for folder in ("rules", "segments", "templates"):
        shutil.copytree(ROOT / folder, repo / folder)
    config = write_project(repo, (
        "version: 1\n"
        f"store:\n  url: \"{store_url}\"\n"
        f"schedule: {schedule}\n"
        "sender:\n  from: \"Ana at Acme <ana@acme.example>\"\n"
        "delivery:\n  backend: memory\n"
        "unsubscribe:\n  url: \"https://acme.example/u?token={token}\"\n"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "test@rekindle.invalid")
    git(repo, "config", "user.name", "test")
    commit(repo, "base")
    return config


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def load_store(config: Path, *, run_at: str | None = EARLIER) -> None:
    """db init, the example customers and events, and (by default) one run at EARLIER."""
    for args in (("db", "init"), ("import", "customers", str(ROOT / "examples/data/customers.csv")),
                 ("import", "events", str(ROOT / "examples/data/events.csv"))):
        result = cli(*args, config=config)
        assert result.exit_code == 0, result.output
    if run_at:
        result = cli("run", "--now", run_at, config=config)
        assert result.exit_code == 0, result.output


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
