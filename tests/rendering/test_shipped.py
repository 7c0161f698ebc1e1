"""The shipped templates with the shipped campaigns: no diagnostics, and every email builds a correct message."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.project import load_project
from engine.rendering import compose_email
from engine.rendering.checks import check_templates
from engine.rendering.samples import BUILTIN
from tests.rendering.kit import NOW, body, make_customer, parse

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {
    "welcome": ["welcome/hello", "welcome/getting-started"],
    "onboarding-complete": ["onboarding/celebrate"],
    "feedback-request": ["feedback/ask"],
    "birthday-reward": ["loyalty/birthday"],
    "signup-anniversary": ["loyalty/anniversary"],
    "referral-ask": ["referral/ask"],
    "upsell-heavy-users": ["upsell/upgrade"],
    "winback-90": ["winback/miss-you", "winback/offer", "winback/last-call"],
}


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT / "rekindle.yaml")


def test_every_shipped_campaign_step_has_its_template(project) -> None:
    assert {c.id: [s.template for s in c.steps] for c in project.campaigns} == SHIPPED
    for names in SHIPPED.values():
        for name in names:
            assert (ROOT / "templates" / f"{name}.html").is_file()


def test_shipped_templates_have_no_diagnostics(project) -> None:
    assert check_templates(project, now=NOW) == []


def _emails(project):
    for campaign in project.campaigns:
        for step in campaign.steps:
            for variant in (None, *step.variants):
                for customer in BUILTIN:
                    yield campaign, step, variant, customer


def test_every_shipped_email_parses_back_correctly(project) -> None:
    count = 0
    for campaign, step, variant, customer in _emails(project):
        composed = compose_email(project.config, campaign, step, customer, variant=variant, now=NOW,
                                 message_id=f"<t.{campaign.id}.{step.id}@rekindle.example>")
        message = parse(composed.message)
        where = f"{campaign.id}/{step.id}/{variant and variant.id}/{customer.external_id}"
        assert message.get_content_type() == "multipart/alternative", where
        plain, html = message.iter_parts()
        assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html"), where
        assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
        assert body(plain) == composed.text and body(html) == composed.html, where
        assert message["Subject"] == composed.subject and composed.subject, where
        assert message["X-Rekindle-Campaign"] == campaign.id and message["X-Rekindle-Step"] == step.id
        assert message["From"] == "Rekindle Demo <hello@rekindle.example>"
        assert message["Reply-To"] == "support@rekindle.example"
        assert message["To"].addresses[0].addr_spec == customer.email
        assert "unsubscribe" in message["List-Unsubscribe"]
        assert max(len(line) for line in composed.message.split(b"\r\n")) <= 998
        assert "utm_source=rekindle" in composed.text and "utm_source=rekindle" in composed.html, where
        assert "Unsubscribe" in composed.text or "unsubscribe" in composed.text, where
        assert "{{" not in composed.html and "{%" not in composed.text, where
        count += 1
    assert count == 2 * (11 + 2)  # 11 steps, 2 of them with variants on upsell; 2 customers


def test_offer_subject_states_the_exact_amount(project) -> None:
    winback = project.campaign("winback-90")
    offer = winback.step("offer")
    composed = compose_email(project.config, winback, offer, make_customer(first_name="Grace"), variant=None, now=NOW,
                             message_id="<t@x>")
    assert composed.subject == "$20 off your next month, Grace"
    bare = compose_email(project.config, winback, offer, BUILTIN[1], variant=None, now=NOW, message_id="<t@x>")
    assert bare.subject == "$20 off your next month, friend"
    assert "Hi there," in bare.text
