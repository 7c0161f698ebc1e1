"""Frequency caps: when a capped customer may be mailed again."""

from datetime import timedelta

from engine.config.model import FrequencyCap
from engine.scheduling.caps import cap_release
from engine.timeutil import parse_instant as at

TWO_PER_WEEK = FrequencyCap(max=2, per=timedelta(days=7))
ONE_PER_DAY = FrequencyCap(max=1, per=timedelta(days=1))
NOW = at("2026-11-23T09:00:00Z")


def test_under_the_cap_is_not_capped():
    assert cap_release([at("2026-11-20T09:00:00Z")], [TWO_PER_WEEK], NOW) is None
    assert cap_release([], [TWO_PER_WEEK, ONE_PER_DAY], NOW) is None


def test_capped_until_the_oldest_counted_email_ages_out():
    recent = [at("2026-11-22T09:00:00Z"), at("2026-11-18T10:00:00Z")]
    assert cap_release(recent, [TWO_PER_WEEK], NOW) == at("2026-11-25T10:00:00Z")


def test_emails_older_than_the_period_do_not_count():
    recent = [at("2026-11-16T09:00:00Z"), at("2026-11-22T09:00:00Z")]  # the first is exactly 7 days old
    assert cap_release(recent, [TWO_PER_WEEK], NOW) is None


def test_the_strictest_cap_decides():
    recent = [at("2026-11-23T08:00:00Z")]
    assert cap_release(recent, [TWO_PER_WEEK, ONE_PER_DAY], NOW) == at("2026-11-24T08:00:00Z")
    recent = [at("2026-11-23T08:00:00Z"), at("2026-11-19T09:00:00Z"), at("2026-11-20T09:00:00Z")]
    # Three in the week: two must age out (Nov 20 + 7d) before the 2-per-week cap allows another.
    assert cap_release(recent, [TWO_PER_WEEK, ONE_PER_DAY], NOW) == at("2026-11-27T09:00:00Z")
