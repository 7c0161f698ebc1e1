"""Documentation that cannot fall behind: every code, condition kind, rule key and config key is documented."""

from __future__ import annotations

import re
from pathlib import Path

from engine.conditions import KINDS
from engine.diagnostics import CATALOGUE
from engine.documents.schemas import schema

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _table_codes(text: str) -> list[str]:
    return re.findall(r"^\| ([A-Z]\d{3}) \|", text, flags=re.MULTILINE)


def test_every_diagnostic_code_is_documented_once_with_its_title() -> None:
    text = (DOCS / "diagnostics.md").read_text()
    documented = _table_codes(text)
    assert sorted(documented) == sorted(CATALOGUE)
    for code in CATALOGUE.values():
        assert f"| {code.code} | {code.title} |" in text


def test_every_condition_kind_has_a_section_in_the_rules_guide() -> None:
    text = (DOCS / "rules.md").read_text()
    headings = re.findall(r"^### (.+)$", text, flags=re.MULTILINE)
    documented = {kind for heading in headings for kind in re.findall(r"`(\w+)`", heading)}
    assert set(KINDS) <= documented


def test_every_campaign_step_and_segment_key_is_in_the_rules_guide() -> None:
    text = (DOCS / "rules.md").read_text()
    rule = schema("rule")
    step = rule["properties"]["steps"]["items"]
    window = rule["properties"]["send_window"]
    for key in [*rule["properties"], *step["properties"], *window["properties"], *schema("segment")["properties"]]:
        assert f"`{key}`" in text, key


def test_every_config_key_is_in_the_config_reference() -> None:
    text = (DOCS / "config.md").read_text()

    def keys(node: dict, prefix: str = ""):
        for key, sub in node.get("properties", {}).items():
            inner = sub.get("items", sub)
            if "properties" in inner:
                yield from keys(inner, f"{prefix}{key}.")
            else:
                yield prefix + key

    missing = [key for key in keys(schema("config")) if f"`{key}`" not in text
               and f"`{key.rsplit('.', 1)[-1]}`" not in text and f"`.{key.rsplit('.', 1)[-1]}`" not in text]
    assert missing == []


def test_the_cli_reference_covers_validate_and_init() -> None:
    text = (DOCS / "cli.md").read_text()
    for heading in ("## `rekindle validate`", "## `rekindle init`", "## Exit codes"):
        assert heading in text
