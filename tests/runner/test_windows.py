"""Send windows in the customer's local time, across timezones and DST changes."""

from datetime import time
from zoneinfo import ZoneInfo

import pytest

from engine.rules.model import SendWindow
from engine.scheduling.windows import next_opening, zone_for
from engine.timeutil import parse_instant as at

WEEKDAYS_9_TO_18 = SendWindow(days=("mon", "tue", "wed", "thu", "fri"), start=time(9), end=time(18))
BERLIN, NEW_YORK, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        # Monday 2026-11-23, 10:00 in Berlin (UTC+1): open.
        (BERLIN, "2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z"),
        # 07:00 Berlin: opens at 09:00 Berlin = 08:00 UTC the same day.
        (BERLIN, "2026-11-23T06:00:00Z", "2026-11-23T08:00:00Z"),
        # 18:00 Berlin exactly: closed (end is exclusive), next opening Tuesday 09:00 Berlin.
        (BERLIN, "2026-11-23T17:00:00Z", "2026-11-24T08:00:00Z"),
        # Friday 19:00 Berlin: the weekend is skipped, Monday 09:00.
        (BERLIN, "2026-11-27T18:00:00Z", "2026-11-30T08:00:00Z"),
        # The same UTC instant is Monday 04:00 in New York (UTC-5): opens 09:00 New York = 14:00 UTC.
        (NEW_YORK, "2026-11-23T09:00:00Z", "2026-11-23T14:00:00Z"),
        # ... and Monday 18:00 in Tokyo (UTC+9): closed, Tuesday 09:00 Tokyo = Tuesday 00:00 UTC.
        (TOKYO, "2026-11-23T09:00:00Z", "2026-11-24T00:00:00Z"),
    ],
)
def test_next_opening_across_timezones(zone, now, expected):
    assert next_opening(WEEKDAYS_9_TO_18, zone, at(now)) == at(expected)


def test_dst_change_moves_the_utc_opening():
    # Berlin leaves summer time on Sunday 2026-10-25: 09:00 local is 07:00 UTC on Friday the 23rd and
    # 08:00 UTC on Monday the 26th. A step deferred over that weekend opens at the right local hour.
    assert next_opening(WEEKDAYS_9_TO_18, BERLIN, at("2026-10-23T06:00:00Z")) == at("2026-10-23T07:00:00Z")
    assert next_opening(WEEKDAYS_9_TO_18, BERLIN, at("2026-10-23T17:00:00Z")) == at("2026-10-26T08:00:00Z")
    # New York springs forward on Sunday 2026-03-08: Monday 09:00 local is 13:00 UTC (it was 14:00 on Friday).
    assert next_opening(WEEKDAYS_9_TO_18, NEW_YORK, at("2026-03-06T23:30:00Z")) == at("2026-03-09T13:00:00Z")


def test_an_opening_inside_the_spring_forward_gap_resolves_after_it():
    nightly = SendWindow(days=("sun",), start=time(2, 30), end=time(4))
    # 02:30 does not exist in Berlin on 2026-03-29; zoneinfo reads it with the pre-transition offset
    # (UTC+1), i.e. 01:30 UTC, which is 03:30 local summer time: inside the window.
    assert next_opening(nightly, BERLIN, at("2026-03-28T12:00:00Z")) == at("2026-03-29T01:30:00Z")


def test_all_day_window_ending_23_59_includes_the_last_minute():
    window = SendWindow(days=("mon",), start=time(0), end=time(23, 59))
    assert next_opening(window, ZoneInfo("UTC"), at("2026-11-23T23:59:30Z")) == at("2026-11-23T23:59:30Z")


def test_no_window_is_always_open():
    assert next_opening(None, BERLIN, at("2026-11-28T03:00:00Z")) == at("2026-11-28T03:00:00Z")


def test_zone_choice():
    customer = SendWindow(timezone="customer")
    fixed = SendWindow(timezone="Asia/Tokyo")
    assert zone_for(customer, "Europe/Berlin", "UTC") == BERLIN
    assert zone_for(fixed, "Europe/Berlin", "UTC") == TOKYO
    # A missing or unknown customer zone falls back to the project default instead of blocking the step.
    assert zone_for(customer, None, "America/New_York") == NEW_YORK
    assert zone_for(customer, "Mars/Olympus", "America/New_York") == NEW_YORK
    # A tzdata folder name is not a zone either (ZoneInfo raises IsADirectoryError for it).
    assert zone_for(customer, "America", "America/New_York") == NEW_YORK
