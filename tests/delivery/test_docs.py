"""The delivery guide is complete: every delivery.smtp option the registry accepts and every backend appear in
docs/delivery.md. (Command options are checked for every command in tests/cli/test_reference.py.)"""

from __future__ import annotations

from pathlib import Path

from engine.delivery import registry

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_smtp_option_is_in_the_delivery_guide() -> None:
    text = (DOCS / "delivery.md").read_text()
    assert [key for key in registry.SMTP_OPTIONS if f"`{key}`" not in text] == []
    assert [name for name in registry.BACKENDS if f"`{name}`" not in text] == []
