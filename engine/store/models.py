"""The store's tables as SQLAlchemy 2.x typed ORM classes, for the code that works with sessions.

Each class is mapped onto its Core table in engine/store/tables.py, which holds the schema itself (types,
nullability, defaults, indexes); the annotations here type the attributes. Code that only runs SQL statements
uses the tables directly and never imports the ORM (`Model.__table__` is the same table).

Customer data: Customer, Event, Suppression, CategoryOptOut.
Operations:    CampaignPause (who paused a campaign, or every campaign, why, and when it was lifted).
Engine state:  Run (one tick), Enrollment (a customer in a campaign), Delivery (the outbox, one row per
               email, unique per enrolment and step), Decision (every choice a run made, with its reason).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase, Mapped

from engine.store import tables


class Base(DeclarativeBase):
    metadata = tables.metadata
    # Every model here is mapped to a plain Table, so `Model.__table__` is one (SQLAlchemy types it as the
    # wider FromClause because a mapping may target a join or a subquery); see sqlalchemy/sqlalchemy#9130.
    __table__: ClassVar[Table]


class Customer(Base):
    __table__ = tables.customers

    id: Mapped[int]
    external_id: Mapped[str]
    email: Mapped[str]
    first_name: Mapped[str | None]
    last_name: Mapped[str | None]
    locale: Mapped[str | None]
    timezone: Mapped[str | None]
    created_at: Mapped[datetime]
    subscribed: Mapped[bool]
    attributes: Mapped[dict[str, Any]]
    #: Latest occurred_at among the configured activity events, maintained by import; None if never active.
    last_active_at: Mapped[datetime | None]


class Event(Base):
    __table__ = tables.events

    id: Mapped[int]
    customer_id: Mapped[int]
    name: Mapped[str]
    occurred_at: Mapped[datetime]
    properties: Mapped[dict[str, Any]]
    #: The idempotency key, unique per customer: the source's own `event_id`, or when it gives none the
    #: content key of name, time and properties (engine/store/event_keys.py, docs/import.md). The importer and
    #: the web API always set it; NULL (never deduplicated) only for rows written by other means.
    event_id: Mapped[str | None]


class Suppression(Base):
    """Addresses never to be mailed (hard bounces, complaints, manual). Emails are stored lower-cased."""

    __table__ = tables.suppressions

    email: Mapped[str]
    reason: Mapped[str]
    detail: Mapped[str | None]
    created_at: Mapped[datetime]


class CategoryOptOut(Base):
    """A customer who chose, on the preference page, not to receive one category of campaigns (a campaign's
    `category`). Unsubscribing from everything is `customers.subscribed` and the suppression list instead."""

    __table__ = tables.category_optouts

    customer_id: Mapped[int]
    category: Mapped[str]
    created_at: Mapped[datetime]


class Run(Base):
    """One `rekindle run` tick (or simulated tick), or one enrolment on arrival (engine/runner/arrival.py).
    `summary` holds per-campaign, per-step counts."""

    __table__ = tables.runs

    id: Mapped[int]
    started_at: Mapped[datetime]
    now: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str]  # running, finished, partial, failed
    rules_commit: Mapped[str | None]
    summary: Mapped[dict[str, Any]]
    #: `tick` (a run, simulated or not) or `arrival` (enrolment on the arrival of posted events, no sending).
    kind: Mapped[str]


class Enrollment(Base):
    """A customer's passage through a campaign. At most one active enrolment per campaign and customer."""

    __table__ = tables.enrollments

    id: Mapped[int]
    campaign_id: Mapped[str]
    campaign_version: Mapped[str]
    customer_id: Mapped[int]
    status: Mapped[str]  # active, completed, exited, converted
    holdout: Mapped[bool]
    enrolled_at: Mapped[datetime]
    #: Index into the campaign's steps of the next step to consider, and when it is due.
    next_step: Mapped[int]
    next_step_id: Mapped[str | None]
    next_due_at: Mapped[datetime | None]
    last_step_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None]
    run_id: Mapped[int | None]


FINISHED_DELIVERY_STATUSES = ("sent", "failed", "suppressed", "cancelled")
"""Delivery statuses that are final (only `rekindle deliveries retry` takes a failed one back)."""


class Delivery(Base):
    """The outbox: one email to one customer for one enrolment step. Unique per (enrollment, step), so a
    second delivery of the same step is impossible whatever the code above does."""

    __table__ = tables.deliveries

    id: Mapped[int]
    enrollment_id: Mapped[int]
    step_id: Mapped[str]
    campaign_id: Mapped[str]
    campaign_version: Mapped[str]
    customer_id: Mapped[int]
    email: Mapped[str]
    variant: Mapped[str | None]
    message_id: Mapped[str]
    subject: Mapped[str | None]
    #: The complete RFC 5322 message as rendered at queue time, so sending never re-renders. `rekindle db
    #: prune` sets it to NULL on finished deliveries and keeps its SHA-256 in `message_sha256`.
    message: Mapped[bytes | None]
    message_sha256: Mapped[str | None]
    #: With click tracking on: the original URLs of the message's links, in order. A `/c/<signed>` link names
    #: this delivery and an index into this list, so a click can only ever redirect to one of these.
    links: Mapped[list[str] | None]
    status: Mapped[str]  # queued, sending, sent, failed, suppressed, cancelled
    queued_at: Mapped[datetime]
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    smtp_reply: Mapped[str | None]
    failure_reason: Mapped[str | None]
    run_id: Mapped[int | None]


class Decision(Base):
    """Every choice a run made about a customer, with its reason: the raw material of reporting.

    `decision` is one of: enrolled, held_out, queued, skipped_condition, capped, deferred_window, suppressed,
    exited, converted, completed, held_blast_radius, version_changed.
    """

    __table__ = tables.decisions

    id: Mapped[int]
    run_id: Mapped[int | None]
    decided_at: Mapped[datetime]
    campaign_id: Mapped[str]
    campaign_version: Mapped[str]
    rules_commit: Mapped[str | None]
    customer_id: Mapped[int | None]
    enrollment_id: Mapped[int | None]
    step_id: Mapped[str | None]
    decision: Mapped[str]
    reason: Mapped[str]
    details: Mapped[dict[str, Any]]


class CampaignPause(Base):
    """A pause of one campaign (`campaign_id`) or of every campaign (`campaign_id` = `*`, the kill switch).
    A pause is in force while `resumed_at` is NULL (at most one per campaign); lifted pauses stay as history."""

    __table__ = tables.campaign_pauses

    id: Mapped[int]
    campaign_id: Mapped[str]
    reason: Mapped[str]
    paused_by: Mapped[str]
    paused_at: Mapped[datetime]
    resumed_by: Mapped[str | None]
    resumed_at: Mapped[datetime | None]
