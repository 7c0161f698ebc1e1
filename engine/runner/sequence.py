"""The per-enrolment state machine of a due enrolment, as a pure function (no database, no clock).

Given where an enrolment stands, `advance` walks its steps at `now` for as long as they are due:

    step due -> `when` false?            skipped_condition, next step
             -> control group (holdout)? passes silently, next step (never mailed)
             -> unsubscribed/suppressed? suppressed, the enrolment ends (exited)
             -> send window closed?      deferred_window, due again at the next opening
             -> frequency cap reached?   capped, due again when the cap releases
             -> run limit spent?         stays due for the next run (no decision)
             -> otherwise                queued, next step due `wait` after now
    no step left -> completed

Exits and goals are checked by the tick (in SQL, for every active enrolment) before any step runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.config.model import FrequencyCap
from engine.rules.model import Campaign
from engine.runner.options import Budget
from engine.scheduling.caps import cap_release
from engine.scheduling.windows import next_opening
from engine.timeutil import format_duration


@dataclass
class Pending:
    """A due enrolment as the state machine sees it."""

    step_index: int
    holdout: bool = False
    suppressed: bool = False
    #: The customer opted out of the campaign's category on the preference page (docs/web.md).
    opted_out: bool = False
    when: Mapping[int, bool] = field(default_factory=dict)
    """Value of each step's `when` condition (by step index) at `now`; steps without one are absent."""
    zone: ZoneInfo = ZoneInfo("UTC")
    recent: list[datetime] = field(default_factory=list)
    """Times of the customer's emails that count toward frequency caps (appended to as steps are queued)."""


@dataclass
class Outcome:
    step_index: int
    due_at: datetime | None
    status: str = "active"  # active, completed, exited
    end_reason: str | None = None
    decisions: list[tuple[str | None, str, str, dict[str, Any]]] = field(default_factory=list)
    """(step id, decision, reason, details), in order; `queued` ones are the emails to render and queue."""
    stalled: bool = False
    """Stopped because the run's email limit was spent; the step stays due."""


def advance(
    campaign: Campaign,
    pending: Pending,
    now: datetime,
    caps: Sequence[FrequencyCap] = (),
    budget: Budget | None = None,
) -> Outcome:
    steps = campaign.steps
    out = Outcome(step_index=pending.step_index, due_at=now)
    while True:
        index = out.step_index
        if index >= len(steps):
            out.status, out.end_reason, out.due_at = "completed", "completed", None
            out.decisions.append((None, "completed", "every step was handled", {}))
            return out
        step = steps[index]
        if not pending.when.get(index, True):
            out.decisions.append((step.id, "skipped_condition", "the step's `when` condition is false", {}))
        elif pending.holdout:
            pass  # control group: the sequence runs its course without mail, so goals stay comparable
        elif pending.suppressed or pending.opted_out:
            reason = ("unsubscribed or on the suppression list" if pending.suppressed
                      else f"opted out of the category {campaign.category!r}")
            out.status, out.end_reason, out.due_at = "exited", "suppressed", None
            out.decisions.append((step.id, "suppressed", reason, {}))
            return out
        else:
            opening = next_opening(campaign.send_window, pending.zone, now)
            if opening > now:
                out.due_at = opening
                out.decisions.append(
                    (step.id, "deferred_window", f"outside the send window; next opening {_iso(opening)}",
                     {"until": _iso(opening), "timezone": pending.zone.key})
                )
                return out
            release = cap_release(pending.recent, caps, now)
            if release is not None:
                out.due_at = release
                out.decisions.append(
                    (step.id, "capped", f"frequency cap reached ({_caps(caps)}); due again {_iso(release)}",
                     {"until": _iso(release)})
                )
                return out
            if budget is not None and not budget.take():
                out.stalled = True
                return out
            out.decisions.append((step.id, "queued", "the step is due", {}))
            pending.recent.append(now)
        out.step_index = index + 1
        if out.step_index < len(steps):
            out.due_at = now + steps[out.step_index].wait
            if out.due_at > now:
                return out


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _caps(caps: Sequence[FrequencyCap]) -> str:
    return ", ".join(f"{c.max} per {format_duration(c.per)}" for c in caps)
