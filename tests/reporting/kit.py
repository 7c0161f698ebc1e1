"""A fixture ledger written row by row into a real store, so each test can state its answers by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert

from engine.config.model import Config
from engine.project import Project
from engine.rules.model import Campaign, build_campaign
from engine.store.models import Customer, Decision, Delivery, Enrollment, Event, Suppression


def t(text: str) -> datetime:
    """A naive UTC instant from 'YYYY-MM-DD HH:MM' (the store's own form)."""
    return datetime.fromisoformat(text)


def campaign(cid: str = "winback", holdout: float = 0.1, **extra: Any) -> Campaign:
    doc = {
        "id": cid,
        "audience": {"subscribed": True},
        "goal": {"condition": {"event": {"name": "purchase", "since": "enrolled"}}, "within": "30d"},
        "holdout": holdout,
        "steps": [{"id": "one", "template": "t/one"},
                  {"id": "two", "wait": "1d", "template": "t/two",
                   "variants": [{"id": "a", "subject": "A"}, {"id": "b", "subject": "B"}]}],
        **extra,
    }
    return build_campaign(doc)


@dataclass
class Ledger:
    engine: Engine
    customers: dict[str, int] = field(default_factory=dict)
    enrollments: dict[str, int] = field(default_factory=dict)
    _message: int = 0

    def customer(self, name: str, created: str = "2026-01-01 00:00", **extra: Any) -> int:
        row = {"external_id": name, "email": f"{name}@example.com", "created_at": t(created), "subscribed": True,
               "attributes": {}, **extra}
        with self.engine.begin() as conn:
            self.customers[name] = conn.execute(insert(Customer).returning(Customer.id), row).scalar_one()
        return self.customers[name]

    def enrol(self, name: str, customer: str, *, status: str = "active", holdout: bool = False,
              enrolled: str = "2026-10-01 00:00", ended: str | None = None, reason: str | None = None,
              campaign_id: str = "winback") -> int:
        row = {"campaign_id": campaign_id, "campaign_version": "v1", "customer_id": self.customers[customer],
               "status": status, "holdout": holdout, "enrolled_at": t(enrolled), "next_step": 0,
               "ended_at": t(ended) if ended else None, "end_reason": reason}
        with self.engine.begin() as conn:
            self.enrollments[name] = conn.execute(insert(Enrollment).returning(Enrollment.id), row).scalar_one()
        return self.enrollments[name]

    def mail(self, enrollment: str, customer: str, step: str, *, status: str = "sent", variant: str | None = None,
             queued: str = "2026-10-01 01:00", sent: str | None = None, campaign_id: str = "winback") -> None:
        self._message += 1
        row = {"enrollment_id": self.enrollments[enrollment], "step_id": step, "campaign_id": campaign_id,
               "campaign_version": "v1", "customer_id": self.customers[customer],
               "email": f"{customer}@example.com", "variant": variant, "message_id": f"<m{self._message}@x>",
               "status": status, "queued_at": t(queued),
               "sent_at": t(sent or queued) if status == "sent" else None, "attempts": 1}
        with self.engine.begin() as conn:
            conn.execute(insert(Delivery), row)

    def event(self, customer: str, name: str, when: str, **properties: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(Event), {"customer_id": self.customers[customer], "name": name,
                                         "occurred_at": t(when), "properties": properties})

    def suppress(self, customer: str, reason: str, when: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(Suppression), {"email": f"{customer}@example.com", "reason": reason,
                                               "created_at": t(when)})

    def decide(self, enrollment: str, customer: str, step: str, decision: str, when: str,
               campaign_id: str = "winback") -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(Decision), {
                "decided_at": t(when), "campaign_id": campaign_id, "campaign_version": "v1",
                "customer_id": self.customers[customer], "enrollment_id": self.enrollments[enrollment],
                "step_id": step, "decision": decision, "reason": "test", "details": {}})


def project(*campaigns: Campaign, config: Config | None = None) -> Project:
    from pathlib import Path

    return Project(config or Config(root=Path(".")), tuple(campaigns), {})


def arm(led: Ledger, prefix: str, customers: int, converted: int, *, holdout: bool,
        campaign_id: str = "winback") -> None:
    """`customers` enrolments on 10-01, the first `converted` of them converted by a 10.00 purchase 2 days in."""
    for i in range(customers):
        name = f"{prefix}{i}"
        led.customer(name)
        done = i < converted
        led.enrol(name, name, holdout=holdout, status="converted" if done else "completed",
                  ended="2026-10-04 00:00", reason="goal" if done else "completed", campaign_id=campaign_id)
        if done:
            led.event(name, "purchase", "2026-10-03 00:00", amount=10)
