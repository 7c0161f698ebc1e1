"""`rekindle preview --gallery DIR`: every campaign, step and variant, deterministic under --now."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

from tests.preview.kit import NOW, invoke, make_project

# 11 steps; upsell's single step has two variants, so 12 emails per customer.
EMAILS_PER_CUSTOMER = 12


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_gallery_has_every_email_for_every_sample_customer(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    out = tmp_path / "gallery"
    result = invoke("--gallery", str(out), "--now", NOW, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (f"wrote {out / 'index.html'}: 24 emails for 2 customers from "
                                     "examples/data/customers.csv")
    index = (out / "index.html").read_text(encoding="utf-8")
    frames = re.findall(r'<iframe class="(desktop|mobile)" sandbox src="([^"]+)"', index)
    assert len(frames) == 2 * EMAILS_PER_CUSTOMER * 2
    assert {path for _, path in frames} == {p for p in _files(out) if p.endswith(".html") and p != "index.html"}
    for campaign in ("welcome", "onboarding-complete", "feedback-request", "birthday-reward", "signup-anniversary",
                     "referral-ask", "upsell-heavy-users", "winback-90"):
        assert f'id="{campaign}"' in index
    assert "emails/upsell-heavy-users/upgrade.outgrown/csv_1.html" in index
    assert "emails/upsell-heavy-users/upgrade.unlock/csv_2.html" in index
    assert '<div class="subject">$20 off your next month, Grace</div>' in index
    assert "rendered for examples/data/customers.csv at 2026-11-23T09:00:00+00:00" in index
    eml = email.message_from_bytes((out / "emails/winback-90/offer/csv_2.eml").read_bytes(), policy=policy.default)
    assert eml["Subject"] == "20\xa0US$ off your next month, friend"  # fi-FI: en_FI conventions


def test_gallery_is_byte_identical_for_the_same_now(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    first, second = tmp_path / "one", tmp_path / "two"
    for out in (first, second):
        assert invoke("--gallery", str(out), "--now", NOW, "--config", str(config)).exit_code == 0
    assert _files(first) == _files(second)
    third = tmp_path / "three"
    assert invoke("--gallery", str(third), "--now", "2026-12-01T09:00:00Z", "--config", str(config)).exit_code == 0
    assert _files(third) != _files(first)


def test_gallery_of_one_campaign_for_chosen_customers(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    out = tmp_path / "g"
    result = invoke("winback-90", "--gallery", str(out), "--customer", "csv_2", "--now", NOW, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert sorted(p for p in _files(out) if p.endswith(".html")) == [
        "emails/winback-90/last-call/csv_2.html", "emails/winback-90/miss-you/csv_2.html",
        "emails/winback-90/offer/csv_2.html", "index.html"]
    missing = invoke("--gallery", str(out), "--customer", "ghost", "--config", str(config))
    assert (missing.exit_code, missing.stderr.strip()) == (
        1, "error: customer 'ghost' not found in examples/data/customers.csv")


def test_a_failing_email_is_shown_in_the_gallery_and_fails_the_command(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    (tmp_path / "templates" / "feedback" / "ask.html").write_text(
        '{% extends "_layouts/base.html" %}\n{% block subject %}{{ customer.nickname }}{% endblock %}\n')
    out = tmp_path / "g"
    result = invoke("--gallery", str(out), "--now", NOW, "--config", str(config))
    assert result.exit_code == 1
    assert "templates/feedback/ask.html:2: undefined variable: 'dict object' has no attribute 'nickname'" \
           in result.stderr
    assert result.stderr.strip().endswith("error: 2 emails failed to render")
    assert (out / "index.html").read_text().count('data-failed="1"') == 2
