"""load_project on the shipped project (campaigns exactly as agreed) and how rule files are found."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from engine.conditions import parse_condition
from engine.project import ProjectInvalid, load_project

REPO = Path(__file__).resolve().parents[2]

SHIPPED = {
    "welcome": [("hello", "welcome/hello"), ("getting-started", "welcome/getting-started")],
    "onboarding-complete": [("celebrate", "onboarding/celebrate")],
    "feedback-request": [("ask", "feedback/ask")],
    "birthday-reward": [("reward", "loyalty/birthday")],
    "signup-anniversary": [("thanks", "loyalty/anniversary")],
    "referral-ask": [("ask", "referral/ask")],
    "upsell-heavy-users": [("upgrade", "upsell/upgrade")],
    "winback-90": [("miss-you", "winback/miss-you"), ("offer", "winback/offer"), ("last-call", "winback/last-call")],
}


@pytest.fixture(scope="module")
def project():
    return load_project(REPO / "rekindle.yaml")


def test_the_shipped_campaigns_and_their_steps(project) -> None:
    assert {c.id: [(s.id, s.template) for s in c.steps] for c in project.campaigns} == SHIPPED
    assert project.campaign("winback-90").source.endswith("rules/reactivation/winback-90.yaml")
    assert sorted(project.segments) == ["engaged", "heavy-user"]


def test_winback_90_is_configured_as_agreed(project) -> None:
    winback = project.campaign("winback-90")
    assert winback.audience == parse_condition({"all": [
        {"inactive": {"for": "90d"}}, {"not": {"inactive": {"for": "180d"}}}, {"subscribed": True}]})
    assert winback.exit == parse_condition({"any": [
        {"event": {"name": "login", "since": "enrolled"}}, {"event": {"name": "purchase", "since": "enrolled"}}]})
    assert winback.goal.condition == parse_condition({"event": {"name": "purchase", "since": "enrolled"}})
    assert winback.goal.within == timedelta(days=30)
    assert (winback.group, winback.holdout) == ("winback", 0.1)
    assert (winback.reentry.policy, winback.reentry.cooldown) == ("after", timedelta(days=180))
    window = winback.send_window
    assert (window.days, window.start, window.end, window.timezone) == (
        ("mon", "tue", "wed", "thu", "fri"), time(9), time(18), "customer")
    assert [s.wait for s in winback.steps] == [timedelta(0), timedelta(days=3), timedelta(days=7)]
    assert winback.step("offer").vars == {"discount_usd": 20}
    assert winback.steps[0].location.line > 1


def test_welcome_waits_two_days_for_getting_started(project) -> None:
    assert project.campaign("welcome").step("getting-started").wait == timedelta(days=2)


def test_the_engaged_segment(project) -> None:
    assert project.segments["engaged"].condition == parse_condition(
        {"event": {"name": "login", "within": "30d", "count": {"gte": 8}}})


def test_rule_files_are_found_recursively_skipping_drafts_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "rekindle.yaml").write_text("version: 1\n")
    rule = "version: 1\nid: {id}\naudience: {{subscribed: true}}\nsteps: [{{id: a, template: t}}]\n"
    for relative, campaign_id in [("rules/a.yaml", "a"), ("rules/deep/b.yml", "b"), ("rules/_drafts/c.yaml", "c"),
                                  ("rules/.d.yaml", "d"), ("rules/notes.txt", "e")]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(rule.format(id=campaign_id))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text("{% block subject %}x{% endblock %}")
    assert [c.id for c in load_project(tmp_path / "rekindle.yaml").campaigns] == ["a", "b"]


def test_a_missing_rules_folder(tmp_path: Path) -> None:
    (tmp_path / "rekindle.yaml").write_text("version: 1\n")
    with pytest.raises(ProjectInvalid) as raised:
        load_project(tmp_path / "rekindle.yaml")
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "C106" and diagnostic.message.endswith("/rules")
