"""Tables of the store, as SQLAlchemy 2.x typed declarative models.

Times are stored as naive UTC (`engine.timeutil.to_naive_utc`) so SQLite and PostgreSQL compare them the same
way. Schema changes ship as Alembic migrations in `engine/store/migrations/`; a test fails when these models
and the migrations disagree.

Customer data: Customer, Event, Suppression, CategoryOptOut.
Operations:    CampaignPause (who paused a campaign, or every campaign, why, and when it was lifted).
Engine state:  Run (one tick), Enrollment (a customer in a campaign), Delivery (the outbox, one row per
               email, unique per enrolment and step), Decision (every choice a run made, with its reason).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonDocument = JSON().with_variant(JSONB(), "postgresql")
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite only autoincrements INTEGER PRIMARY KEY


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JsonDocument, datetime: DateTime(timezone=False)}
    # Every model here is mapped to a plain Table, so `Model.__table__` is one (SQLAlchemy types it as the
    # wider FromClause because a mapping may target a join or a subquery); see sqlalchemy/sqlalchemy#9130.
    __table__: ClassVar[Table]


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(35))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Latest occurred_at among the configured activity events, maintained by import; None if never active.
    last_active_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_customers_last_active_at", "last_active_at"),
        Index("ix_customers_email", "email"),
    )


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime]
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The idempotency key, unique per customer: the source's own `event_id`, or when it gives none the
    #: content key of name, time and properties (engine/store/event_keys.py, docs/import.md). The importer and
    #: the web API always set it; NULL (never deduplicated) only for rows written by other means.
    event_id: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("customer_id", "event_id", name="uq_events_customer_event_id"),
        # Covers "did customer X do event N after T" (correlated subqueries) and "who did N after T".
        Index("ix_events_customer_name_time", "customer_id", "name", "occurred_at"),
        Index("ix_events_name_time_customer", "name", "occurred_at", "customer_id"),
    )


class Suppression(Base):
    """Addresses never to be mailed (hard bounces, complaints, manual). Emails are stored lower-cased."""

    __tablename__ = "suppressions"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class CategoryOptOut(Base):
    """A customer who chose, on the preference page, not to receive one category of campaigns (a campaign's
    `category`). Unsubscribing from everything is `customers.subscribed` and the suppression list instead."""

    __tablename__ = "category_optouts"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]


class Run(Base):
    """One `rekindle run` tick (or simulated tick), or one enrolment on arrival (engine/runner/arrival.py).
    `summary` holds per-campaign, per-step counts."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    now: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # running, finished, partial, failed
    rules_commit: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: `tick` (a run, simulated or not) or `arrival` (enrolment on the arrival of posted events, no sending).
    kind: Mapped[str] = mapped_column(String(16), default="tick", server_default="tick")


class Enrollment(Base):
    """A customer's passage through a campaign. At most one active enrolment per campaign and customer."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(128))
    campaign_version: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # active, completed, exited, converted
    holdout: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime]
    #: Index into the campaign's steps of the next step to consider, and when it is due.
    next_step: Mapped[int] = mapped_column(Integer, default=0)
    next_step_id: Mapped[str | None] = mapped_column(String(128))
    next_due_at: Mapped[datetime | None]
    last_step_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))

    __table_args__ = (
        Index(
            "uq_enrollments_active",
            "campaign_id",
            "customer_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_enrollments_due", "status", "next_due_at"),
        Index("ix_enrollments_customer", "customer_id", "campaign_id", "ended_at"),
        Index("ix_enrollments_campaign", "campaign_id", "status", "enrolled_at"),  # reports, per campaign
    )


FINISHED_DELIVERY_STATUSES = ("sent", "failed", "suppressed", "cancelled")
"""Delivery statuses that are final (only `rekindle deliveries retry` takes a failed one back)."""


class Delivery(Base):
    """The outbox: one email to one customer for one enrolment step. Unique per (enrollment, step), so a
    second delivery of the same step is impossible whatever the code above does."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(128))
    campaign_id: Mapped[str] = mapped_column(String(128))
    campaign_version: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    variant: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    subject: Mapped[str | None] = mapped_column(Text)
    #: The complete RFC 5322 message as rendered at queue time, so sending never re-renders. `rekindle db
    #: prune` sets it to NULL on finished deliveries and keeps its SHA-256 in `message_sha256`.
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    message_sha256: Mapped[str | None] = mapped_column(String(64))
    #: With click tracking on: the original URLs of the message's links, in order. A `/c/<signed>` link names
    #: this delivery and an index into this list, so a click can only ever redirect to one of these.
    links: Mapped[list[str] | None] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16))  # queued, sending, sent, failed, suppressed, cancelled
    queued_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    smtp_reply: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))

    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_id", name="uq_deliveries_enrollment_step"),
        Index("ix_deliveries_status", "status", "next_attempt_at"),
        Index("ix_deliveries_customer_queued", "customer_id", "queued_at"),
        Index("ix_deliveries_campaign", "campaign_id", "step_id", "variant", "status"),  # reports, per step
    )


class Decision(Base):
    """Every choice a run made about a customer, with its reason: the raw material of reporting.

    `decision` is one of: enrolled, held_out, queued, skipped_condition, capped, deferred_window, suppressed,
    exited, converted, completed, held_blast_radius, version_changed.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    decided_at: Mapped[datetime]
    campaign_id: Mapped[str] = mapped_column(String(128))
    campaign_version: Mapped[str] = mapped_column(String(64))
    rules_commit: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    step_id: Mapped[str | None] = mapped_column(String(128))
    decision: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        Index("ix_decisions_campaign", "campaign_id", "decision", "decided_at"),
        Index("ix_decisions_customer", "customer_id", "decided_at"),
    )


class CampaignPause(Base):
    """A pause of one campaign (`campaign_id`) or of every campaign (`campaign_id` = `*`, the kill switch).
    A pause is in force while `resumed_at` is NULL (at most one per campaign); lifted pauses stay as history."""

    __tablename__ = "campaign_pauses"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    paused_by: Mapped[str] = mapped_column(String(128))
    paused_at: Mapped[datetime]
    resumed_by: Mapped[str | None] = mapped_column(String(128))
    resumed_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_campaign_pauses_active",
            "campaign_id",
            unique=True,
            sqlite_where=text("resumed_at IS NULL"),
            postgresql_where=text("resumed_at IS NULL"),
        ),
    )
