"""The declared run schedule: its grammar, the ticks it gives, and how the config loader reports a bad one."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from engine.config.loader import load_config
from engine.config.schedule import Cadence, parse_cadence


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def test_every_quarter_hour_ticks_on_the_quarter() -> None:
    cadence = parse_cadence("every 15m")
    assert cadence == Cadence(timedelta(minutes=15))
    assert cadence.next_tick(utc(2026, 12, 1, 10, 7)) == utc(2026, 12, 1, 10, 15)
    assert cadence.next_tick(utc(2026, 12, 1, 10, 15)) == utc(2026, 12, 1, 10, 30)


def test_daily_at_nine_gives_one_tick_a_day_at_nine_utc() -> None:
    cadence = parse_cadence("every 1d at 09:00")
    assert cadence.anchor == time(9, 0) and cadence.describe() == "every 1d at 09:00"
    ticks = list(cadence.ticks(utc(2026, 12, 1, 9, 0), utc(2026, 12, 3, 8, 59)))
    assert ticks == [utc(2026, 12, 1, 9, 0), utc(2026, 12, 2, 9, 0)]


@pytest.mark.parametrize("text", ["every 0m", "daily", "every 15", "every 1d at 25:00", "every 1d at 9:00"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_cadence(text)


def test_the_config_carries_the_schedule(tmp_path: Path) -> None:
    (tmp_path / "rekindle.yaml").write_text("version: 1\nschedule: every 1h at 00:30\n")
    config, problems = load_config(tmp_path / "rekindle.yaml")
    assert problems == [] and config is not None
    assert config.schedule == Cadence(timedelta(hours=1), time(0, 30))


def test_a_bad_schedule_is_a_located_config_error(tmp_path: Path) -> None:
    (tmp_path / "rekindle.yaml").write_text("version: 1\nschedule: hourly\n")
    config, (problem,) = load_config(tmp_path / "rekindle.yaml", "rekindle.yaml")
    assert config is None
    assert (problem.code, str(problem.location)) == ("C102", "rekindle.yaml:2:11")
    assert problem.path == "schedule"


def test_a_schedule_that_never_repeats_is_a_located_config_error(tmp_path: Path) -> None:
    (tmp_path / "rekindle.yaml").write_text("version: 1\nschedule: every 0m\n")
    config, (problem,) = load_config(tmp_path / "rekindle.yaml", "rekindle.yaml")
    assert config is None
    assert (problem.code, str(problem.location), problem.path) == ("C105", "rekindle.yaml:2:11", "schedule")
    assert problem.message == "schedule: a schedule repeats after a positive duration, e.g. every 15m"
