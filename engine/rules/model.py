"""The typed form of a campaign, built only from documents that already passed schema validation.

Everything downstream (audience SQL, the run engine, previews) works on these objects, never on raw YAML.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from engine.conditions import Condition, parse_condition
from engine.conditions.segment import Segment
from engine.diagnostics import Location
from engine.timeutil import parse_duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ON_CHANGE_POLICIES = ("continue", "restart", "exit")


@dataclass(frozen=True)
class Variant:
    """A weighted alternative for a step: a different subject line and/or template."""

    id: str
    weight: int = 1
    subject: str | None = None
    template: str | None = None


@dataclass(frozen=True)
class Step:
    id: str
    template: str
    wait: timedelta = timedelta(0)
    when: Condition | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    variants: tuple[Variant, ...] = ()
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Goal:
    """A conversion: `condition` becoming true within `within` of enrolment ends the sequence as converted."""

    condition: Condition
    within: timedelta


@dataclass(frozen=True)
class Reentry:
    """`never`: a customer enters once. `after`: again once `cooldown` has passed since the last enrolment ended."""

    policy: str = "never"
    cooldown: timedelta | None = None


@dataclass(frozen=True)
class Trigger:
    """The event that starts a campaign. `on_arrival`: an event posted to the web endpoint enrols its customer
    at once (engine/runner/arrival.py), if the audience matches; `next_run`: the next tick does, as without."""

    event: str
    enrol: str = "next_run"

    @property
    def on_arrival(self) -> bool:
        return self.enrol == "on_arrival"


@dataclass(frozen=True)
class SendWindow:
    """When steps may be sent, in the customer's timezone (or a fixed IANA zone); other times defer the step."""

    days: tuple[str, ...] = WEEKDAYS
    start: time = time(0, 0)
    end: time = time(23, 59, 59)
    timezone: str = "customer"


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    steps: tuple[Step, ...]
    audience: Condition
    description: str = ""
    enabled: bool = True
    exit: Condition | None = None
    goal: Goal | None = None
    reentry: Reentry = Reentry()
    priority: int = 0
    group: str | None = None
    #: What kind of email this is (newsletter, offers...): customers can opt out of a category (docs/web.md).
    category: str | None = None
    trigger: Trigger | None = None
    send_window: SendWindow | None = None
    holdout: float = 0.0
    max_audience: int | None = None
    max_audience_share: float | None = None
    """Overrides the project's `defaults.audience_guard.max_share` for this campaign."""
    on_change: str = "continue"
    vars: dict[str, Any] = field(default_factory=dict)
    #: The locale and currency the emails are written in (None: the project's defaults).
    locale: str | None = None
    currency: str | None = None
    source: str = ""
    version: str = ""
    """Content hash of the validated document: the campaign version enrolments remember."""
    location: Location | None = field(default=None, compare=False)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


def counterpart(old: Campaign | None, new: Campaign, step: Step) -> Step | None:
    """The base's version of a head step: the same id, or the step it renames (same position, an id that is
    new on one side and gone on the other). Shared by `plan --base` and the gallery's `--base`, so both call
    the same step a rename."""
    if old is None:
        return None
    same = old.step(step.id)
    if same is not None:
        return same
    index = new.steps.index(step)
    if index < len(old.steps) and new.step(old.steps[index].id) is None:
        return old.steps[index]
    return None


def content_hash(document: dict[str, Any]) -> str:
    """A short, stable hash of a document's meaning (key order and formatting do not change it)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def build_campaign(doc: dict[str, Any], source: str = "", step_locations: list[Location] | None = None) -> Campaign:
    """Turn a schema-valid campaign document into a Campaign."""
    steps = []
    for index, raw in enumerate(doc["steps"]):
        steps.append(
            Step(
                id=raw["id"],
                template=raw["template"],
                wait=parse_duration(raw["wait"]) if "wait" in raw else timedelta(0),
                when=parse_condition(raw["when"]) if "when" in raw else None,
                vars=dict(raw.get("vars", {})),
                variants=tuple(Variant(**v) for v in raw.get("variants", ())),
                location=step_locations[index] if step_locations else None,
            )
        )
    goal = doc.get("goal")
    reentry = doc.get("reentry", {"policy": "never"})
    window = doc.get("send_window")
    return Campaign(
        id=doc["id"],
        name=doc.get("name", doc["id"]),
        description=doc.get("description", ""),
        enabled=doc.get("enabled", True),
        audience=parse_condition(doc["audience"]),
        exit=parse_condition(doc["exit"]) if "exit" in doc else None,
        goal=Goal(parse_condition(goal["condition"]), parse_duration(goal["within"])) if goal else None,
        reentry=Reentry(
            policy=reentry["policy"],
            cooldown=parse_duration(reentry["cooldown"]) if "cooldown" in reentry else None,
        ),
        priority=doc.get("priority", 0),
        group=doc.get("group"),
        category=doc.get("category"),
        trigger=Trigger(**doc["trigger"]) if "trigger" in doc else None,
        send_window=SendWindow(
            days=tuple(window.get("days", WEEKDAYS)),
            start=_time(window.get("start", "00:00")),
            end=_time(window.get("end", "23:59")),
            timezone=window.get("timezone", "customer"),
        )
        if window
        else None,
        holdout=float(doc.get("holdout", 0.0)),
        max_audience=doc.get("max_audience"),
        max_audience_share=doc.get("max_audience_share"),
        on_change=doc.get("on_change", "continue"),
        vars=dict(doc.get("vars", {})),
        locale=doc.get("locale"),
        currency=doc.get("currency"),
        steps=tuple(steps),
        source=source,
        version=content_hash(doc),
    )


def build_segment(doc: dict[str, Any], source: str = "") -> Segment:
    return Segment(id=doc["id"], condition=parse_condition(doc["condition"]),
                   description=doc.get("description", ""), source=source)
