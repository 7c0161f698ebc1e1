"""The gallery for review: each campaign rendered for customers actually in its audience at --now (from the
store, masked), and with --base the emails the branch changed are marked and listed first."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.scratch import NOW, cli, commit, edit, load_store, make_repo, real_addresses


def _gallery(config: Path, out: Path, *args: str):
    result = cli("preview", "--gallery", str(out), "--now", NOW, *args, config=config)
    assert result.exit_code == 0, result.output
    return result


def _sections(index: str) -> dict[str, str]:
    parts = re.split(r'<section class="campaign" id="', index)[1:]
    return {part.split('"', 1)[0]: part for part in parts}


def test_each_campaign_is_rendered_for_customers_in_its_audience_masked(tmp_path, store_url):
    config = make_repo(tmp_path, store_url)
    load_store(config, run_at=None)
    out = tmp_path / "gallery"
    result = _gallery(config, out)
    assert "customers in each campaign's audience (from the store)" in result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Emails and names are masked." in index
    sections = _sections(index)
    for campaign, section in sections.items():
        audience = cli("audience", campaign, "--now", NOW, "--limit", "3", "--format", "json", config=config)
        members = [m["external_id"] for m in json.loads(audience.output)["members"]]
        shown = list(dict.fromkeys(re.findall(r"Customer <b>(\S+) \(", section)))
        assert shown == members, campaign  # exactly the first audience members by id, nobody else
    files = [p for p in out.rglob("*") if p.is_file()]
    leaked = {a for a in real_addresses() for p in files if a in p.read_text(encoding="utf-8", errors="replace")}
    assert leaked == set()


def test_base_marks_exactly_the_changed_emails(tmp_path):
    config = make_repo(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    load_store(config, run_at=None)
    edit(config.parent / "templates/winback/miss-you.txt", "did something not work for you?",
         "did something go wrong?")
    edit(config.parent / "rules/growth/referral-ask.yaml", "steps:\n", "steps:\n  - {id: heads-up, template: referral/ask}\n")
    commit(config.parent, "change")
    out = tmp_path / "gallery"
    result = _gallery(config, out, "--base", "HEAD~1")
    index = (out / "index.html").read_text(encoding="utf-8")
    marked = re.findall(r'<div class="email (changed|new)" id="([^"]+)" data-change="\1">', index)
    assert {(change, anchor.split(".")[0], anchor.split(".")[1]) for change, anchor in marked} == {
        ("changed", "winback-90", "miss-you"), ("new", "referral-ask", "heads-up")}
    assert len(marked) == 6  # three audience members each
    assert f"{len(marked)} emails changed against HEAD~1" in index
    assert result.output.strip().endswith(", 6 changed against HEAD~1")
    assert index.count('<li><a href="#') == 6


def test_a_renamed_step_is_compared_with_the_step_it_renames_not_marked_new(tmp_path):
    """As in `plan --base`: `offer` renamed to `offer-20` (same position) is compared with `offer`; the gallery's
    emails render the same, so nothing is marked (before, all three were marked `new`)."""
    config = make_repo(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    load_store(config, run_at=None)
    edit(config.parent / "rules/reactivation/winback-90.yaml", "  - id: offer\n", "  - id: offer-20\n")
    commit(config.parent, "rename")
    out = tmp_path / "gallery"
    _gallery(config, out, "--base", "HEAD~1")
    index = (out / "index.html").read_text(encoding="utf-8")
    marked = re.findall(r'<div class="email (changed|new)" id="([^"]+)" data-change="\1">', index)
    assert marked == []
    assert "No email differs from HEAD~1." in index
    assert len(re.findall(r'<div class="email" id="winback-90\.offer-20\.', index)) == 3
