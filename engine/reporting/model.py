"""What a report says, as plain data: dataclasses of counts and figures, turned into dicts for JSON and charts.

Every number here comes from a SQL aggregate (engine.reporting.ledger, .conversions, .lifecycle); the
statistics on top of them (engine.reporting.uplift) are pure functions of those counts. Formatters and charts
only read these objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Self


@dataclass(frozen=True)
class Window:
    """Enrolments counted: enrolled_at in [since, until), naive UTC; None leaves that end open."""

    since: datetime | None = None
    until: datetime | None = None


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Group:
    """One arm of the holdout comparison, as assigned (intent to treat)."""

    customers: int = 0
    converted: int = 0
    revenue: float = 0.0
    median_hours_to_convert: float | None = None
    rate: float | None = None

    def finish(self) -> Self:
        self.rate = rate(self.converted, self.customers)
        return self


@dataclass
class Mail:
    """What happened to the emails of one step (or one variant of it), and what they are credited with."""

    mailed: int = 0
    delivered: int = 0
    failed: int = 0
    suppressed: int = 0
    pending: int = 0
    customers: int = 0
    """Enrolments that were assigned this step/variant (one email each)."""
    converted: int = 0
    """Of those, how many converted after the email was queued."""
    rate: float | None = None
    credited_conversions: int = 0
    """Conversions whose last email before converting was this one (the revenue rule)."""
    credited_revenue: float = 0.0
    median_hours_to_convert: float | None = None
    unsubscribes: int = 0
    hard_bounces: int = 0
    clicks: int = 0
    clickers: int = 0
    exited: dict[str, int] = field(default_factory=dict)
    """Enrolments that exited after this email (the last one queued before the exit), by end reason."""

    def add(self, other: "Mail") -> None:
        for name in ("mailed", "delivered", "failed", "suppressed", "pending", "customers", "converted",
                     "credited_conversions", "unsubscribes", "hard_bounces", "clicks", "clickers"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.credited_revenue += other.credited_revenue
        for reason, n in other.exited.items():
            self.exited[reason] = self.exited.get(reason, 0) + n

    def finish(self) -> Self:
        self.rate = rate(self.converted, self.customers)
        self.exited = dict(sorted(self.exited.items()))
        return self


@dataclass
class VariantFigures(Mail):
    variant: str = ""


@dataclass
class VariantTest:
    """Chi-squared test across a step's variants (converted vs not), refused on thin data."""

    statistic: float | None
    df: int
    p_value: float | None
    min_expected: float | None
    verdict: str


@dataclass
class StepFigures(Mail):
    step: str = ""
    variants: list[VariantFigures] = field(default_factory=list)
    variant_test: VariantTest | None = None


@dataclass
class Uplift:
    """Mailed (treatment) vs held out, intent to treat; `ci95` by Newcombe's hybrid score method and
    `sequential` an always-valid interval and p-value (engine.reporting.stats)."""

    treatment: dict[str, Any]
    holdout: dict[str, Any]
    absolute: float | None
    relative: float | None
    ci95: list[float] | None
    method: str
    verdict: str
    call: str
    """A stable keyword for the verdict: no_holdout, too_little_data, helped, hurt, promising, no_difference."""
    incremental_conversions: float | None = None
    incremental_revenue: float | None = None
    sequential: dict[str, Any] | None = None
    sample_size_needed: dict[str, int] | None = None


@dataclass
class DailyPoint:
    day: str
    group: str
    enrolled: int
    converted: int


@dataclass
class Reactivation:
    """Customers dormant (no activity for `dormant_days`) when enrolled who were active again within
    `within_days` of the first email (enrolment plus the first step's wait, for both arms), mailed vs held out."""

    dormant_days: float
    within_days: float
    treatment: dict[str, Any]
    holdout: dict[str, Any]


@dataclass
class CampaignReport:
    id: str
    name: str
    goal: str | None
    enrolled: int
    held_out: int
    active: int
    completed: int
    exited: dict[str, int]
    converted: int
    revenue: float
    treatment: Group
    holdout: Group
    uplift: Uplift
    steps: list[StepFigures]
    daily: list[DailyPoint]
    reactivation: Reactivation | None


@dataclass
class StageCount:
    month: str
    """'YYYY-MM' of a month-end snapshot, or 'now'."""
    stage: str
    customers: int


@dataclass
class RetentionPoint:
    month: str
    active: int
    retained: int | None
    """Customers active in the previous month who are active in this one."""
    previous_active: int | None
    retention: float | None
    churn: float | None
    partial: bool = False
    """The month is still running: its retention is low until the month is over."""


@dataclass
class CohortPoint:
    cohort: str
    age_months: int
    active: int
    size: int
    share: float | None


@dataclass
class CohortValue:
    cohort: str
    customers: int
    revenue: float
    clv: float | None


@dataclass
class Lifecycle:
    stages: list[str]
    now: list[StageCount]
    monthly: list[StageCount]
    retention: list[RetentionPoint]
    cohorts: list[CohortPoint]
    value: list[CohortValue]


@dataclass
class Report:
    generated_at: str
    since: str | None
    until: str | None
    campaigns: list[CampaignReport]
    lifecycle: Lifecycle | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
