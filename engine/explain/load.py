"""Loading what an explanation evaluates: one customer, their events and their enrolment in the campaign."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput
from engine.store.models import Customer, Enrollment, Event


class CustomerNotFound(InvalidInput, LookupError):
    """No customer has this external id."""

    def __init__(self, external_id: str) -> None:
        super().__init__(f"no customer with external id {external_id!r} in the store")
        self.external_id = external_id


@dataclass(frozen=True)
class Subject:
    customer: Customer
    events: tuple[Event, ...]
    enrollment: Enrollment | None


def load_subject(session: Session, external_id: str, campaign_id: str) -> Subject:
    """The customer with `external_id`, all their events (oldest first) and their current enrolment in the
    campaign (the active one, else the most recent)."""
    customer = session.scalar(select(Customer).where(Customer.external_id == external_id))
    if customer is None:
        raise CustomerNotFound(external_id)
    events = session.scalars(
        select(Event).where(Event.customer_id == customer.id).order_by(Event.occurred_at, Event.id)
    ).all()
    enrollment = session.scalar(
        select(Enrollment)
        .where(Enrollment.customer_id == customer.id, Enrollment.campaign_id == campaign_id)
        .order_by(case((Enrollment.status == "active", 0), else_=1), Enrollment.enrolled_at.desc())
        .limit(1)
    )
    return Subject(customer, tuple(events), enrollment)
