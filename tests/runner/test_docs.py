"""docs/campaigns.md explains every decision a run records. (Command options are checked for every command in
tests/cli/test_reference.py.)"""

from __future__ import annotations

from pathlib import Path

from engine.runner.summary import DECISIONS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_decision_is_explained() -> None:
    text = (DOCS / "campaigns.md").read_text()
    assert [d for d in DECISIONS if f"| `{d}` |" not in text] == []
