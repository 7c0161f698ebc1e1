"""A rule-test file as data: test cases with their input rows, their ticks and what they expect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ExpectedEmail:
    at: datetime
    customer: str
    campaign: str
    step: str
    subject: str | None = None
    """None: any subject matches."""
    snapshot: Path | None = None
    """A golden-email file the rendered email must equal (engine/ruletest/golden.py), or None."""


@dataclass(frozen=True)
class ExpectedDecision:
    """A decision that must be recorded; None fields match anything."""

    customer: str
    campaign: str
    decision: str
    step: str | None = None
    at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Expectations:
    audience: dict[str, list[str]] | None = None
    emails: list[ExpectedEmail] | None = None
    """None: emails are not checked; []: none may be sent."""
    decisions: list[ExpectedDecision] = field(default_factory=list)


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class, despite its name

    name: str
    at: datetime
    expect: Expectations
    customers: list[dict[str, Any]] = field(default_factory=list)
    """`customers` records as the importer builds them (external_id, email, ... attributes)."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """`events` records as the importer builds them (customer = external id, name, occurred_at, properties)."""
    campaigns: tuple[str, ...] = ()
    every: timedelta | None = None
    until: datetime | None = None

    def ticks(self) -> list[datetime]:
        """`at`, then every `every` up to `until` (aware UTC instants)."""
        from engine.simulate.timeline import tick_times  # the same schedule as `rekindle simulate`

        if self.every is None or self.until is None:
            return [self.at]
        return list(tick_times(self.at, self.until, self.every))


@dataclass(frozen=True)
class TestFile:
    __test__ = False

    display: str
    """How the file is named in output (relative to the working directory when below it)."""
    cases: list[TestCase]
