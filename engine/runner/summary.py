"""What a tick did, counted per campaign and step: the `runs.summary` document and every report's source."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DECISIONS = (
    "enrolled",
    "held_out",
    "version_changed",
    "converted",
    "exited",
    "queued",
    "skipped_condition",
    "deferred_window",
    "capped",
    "suppressed",
    "render_failed",
    "completed",
    "held_blast_radius",
    "campaign_failed",
)
"""Every decision a tick records, in the order reports show them (entry, ending, steps, completion, and the
campaign-level holds and failures)."""

TROUBLE = ("held_blast_radius", "failed")
"""Campaign statuses that make the run exit 1: held by its audience guard, failed on a database error."""

FAILURE_SAMPLE = 100
"""How many failures a summary keeps for reports (every one is counted, and recorded as a decision)."""

CAMPAIGN_LEVEL = ""
"""The `step` key for decisions about the whole enrolment (enrolled, exited, converted, ...)."""


@dataclass
class CampaignSummary:
    campaign_id: str
    version: str
    status: str = "ran"  # ran | held_blast_radius | failed (engine/runner/isolation.py) | disabled | paused
    message: str | None = None
    counts: dict[str, Counter] = field(default_factory=dict)
    step_order: tuple[str, ...] = ()
    """The campaign's step ids, so reports list steps in sequence order."""

    def add(self, step_id: str | None, decision: str, amount: int = 1) -> None:
        if amount:
            self.counts.setdefault(step_id or CAMPAIGN_LEVEL, Counter())[decision] += amount

    def total(self, decision: str) -> int:
        return sum(counter[decision] for counter in self.counts.values())

    def ordered_steps(self) -> list[str]:
        """Keys of `counts`: the campaign level first, then steps in sequence order."""
        rank = {step: index for index, step in enumerate((CAMPAIGN_LEVEL, *self.step_order))}
        return sorted(self.counts, key=lambda step: rank.get(step, len(rank)))


@dataclass
class RunSummary:
    now: datetime
    rules_commit: str | None = None
    run_id: int | None = None
    dry_run: bool = False
    limit: int | None = None
    limit_reached: bool = False
    campaigns: dict[str, CampaignSummary] = field(default_factory=dict)
    failures: list[Any] = field(default_factory=list)
    """The first FAILURE_SAMPLE failures (engine.observability.failures.Failure) of this tick."""

    def add_failure(self, failure: Any) -> None:
        if len(self.failures) < FAILURE_SAMPLE:
            self.failures.append(failure)

    def campaign(self, campaign_id: str, version: str = "") -> CampaignSummary:
        return self.campaigns.setdefault(campaign_id, CampaignSummary(campaign_id, version))

    def total(self, decision: str) -> int:
        return sum(c.total(decision) for c in self.campaigns.values())

    @property
    def failed(self) -> bool:
        """A held or failed campaign, or an email that could not be rendered, makes the run exit 1."""
        return bool(self.total("render_failed")) or any(c.status in TROUBLE for c in self.campaigns.values())

    @property
    def status(self) -> str:
        """`finished`; `partial` when something failed beside work that was done; `failed` when only failures."""
        if not self.failed:
            return "finished"
        return "partial" if self.total("queued") else "failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "now": self.now.isoformat().replace("+00:00", "Z"),
            "dry_run": self.dry_run,
            "rules_commit": self.rules_commit,
            "limit": self.limit,
            "limit_reached": self.limit_reached,
            "totals": {d: self.total(d) for d in DECISIONS if self.total(d)},
            "failures": [f.as_dict() for f in self.failures[:20]],
            "campaigns": {
                cid: {
                    "version": c.version,
                    "status": c.status,
                    "message": c.message,
                    "steps": {
                        step: {d: c.counts[step][d] for d in DECISIONS if c.counts[step][d]}
                        for step in c.ordered_steps()
                    },
                }
                for cid, c in self.campaigns.items()
            },
        }
