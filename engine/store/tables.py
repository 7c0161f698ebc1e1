"""The store's tables, as SQLAlchemy Core `Table`s: the schema itself, with no ORM.

Code that only reads or writes rows with SQL statements (audiences, conditions, the schema check every command
runs) imports these and never loads the ORM, which costs about as much again as SQLAlchemy's Core to import
(bench/startup.py). The ORM classes of engine/store/models.py are mapped onto these same tables for the code
that works with sessions. Schema changes ship as Alembic migrations in `engine/store/migrations/`; a test fails
when this metadata and the migrations disagree.

Times are stored as naive UTC (`engine.timeutil.to_naive_utc`) so SQLite and PostgreSQL compare them the same
way. The shape of each table is documented on its ORM class.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

JsonDocument = JSON().with_variant(JSONB(), "postgresql")
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite only autoincrements INTEGER PRIMARY KEY
Time = DateTime(timezone=False)


def _id() -> Column:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _reference(name: str, target: str, *, nullable: bool = False, cascade: bool = True) -> Column:
    """A foreign key column; it takes its type from the column it references."""
    return Column(name, ForeignKey(target, ondelete="CASCADE" if cascade else None), nullable=nullable)


customers = Table(
    "customers", metadata,
    _id(),
    Column("external_id", String(255), nullable=False, unique=True),
    Column("email", String(320), nullable=False),
    Column("first_name", String(255)),
    Column("last_name", String(255)),
    Column("locale", String(35)),
    Column("timezone", String(64)),
    Column("created_at", Time, nullable=False),
    Column("subscribed", Boolean, nullable=False, default=True),
    Column("attributes", JsonDocument, nullable=False, default=dict),
    Column("last_active_at", Time),
    Index("ix_customers_last_active_at", "last_active_at"),
    Index("ix_customers_email", "email"),
    # PostgreSQL only (migration 0017): "subscribed" of customers looked up by id without reading their rows (an
    # index-only scan). Included, not a key column: as a key, PostgreSQL read `subscribed = true` (97% of the
    # customers) through it as a bitmap where a scan is cheaper, and SQLite, without statistics, would too.
    Index("ix_customers_id_subscribed", "id", postgresql_include=["subscribed"]).ddl_if(dialect="postgresql"),
)

events = Table(
    "events", metadata,
    _id(),
    _reference("customer_id", "customers.id"),
    Column("name", String(128), nullable=False),
    Column("occurred_at", Time, nullable=False),
    Column("properties", JsonDocument, nullable=False, default=dict),
    Column("event_id", String(255)),
    UniqueConstraint("customer_id", "event_id", name="uq_events_customer_event_id"),
    # Covers "did customer X do event N after T" (correlated subqueries) and "who did N after T".
    Index("ix_events_customer_name_time", "customer_id", "name", "occurred_at"),
    Index("ix_events_name_time_customer", "name", "occurred_at", "customer_id"),
)

suppressions = Table(
    "suppressions", metadata,
    Column("email", String(320), primary_key=True),
    Column("reason", String(64), nullable=False),
    Column("detail", Text),
    Column("created_at", Time, nullable=False),
)

category_optouts = Table(
    "category_optouts", metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("created_at", Time, nullable=False),
)

runs = Table(
    "runs", metadata,
    _id(),
    Column("started_at", Time, nullable=False),
    Column("now", Time, nullable=False),
    Column("finished_at", Time),
    Column("status", String(16), nullable=False),
    Column("rules_commit", String(64)),
    Column("summary", JsonDocument, nullable=False, default=dict),
    Column("kind", String(16), nullable=False, default="tick", server_default="tick"),
)

enrollments = Table(
    "enrollments", metadata,
    _id(),
    Column("campaign_id", String(128), nullable=False),
    Column("campaign_version", String(64), nullable=False),
    _reference("customer_id", "customers.id"),
    Column("status", String(16), nullable=False),
    Column("holdout", Boolean, nullable=False, default=False),
    Column("enrolled_at", Time, nullable=False),
    Column("next_step", Integer, nullable=False, default=0),
    Column("next_step_id", String(128)),
    Column("next_due_at", Time),
    Column("last_step_at", Time),
    Column("ended_at", Time),
    Column("end_reason", String(64)),
    _reference("run_id", "runs.id", nullable=True, cascade=False),
    Index("uq_enrollments_active", "campaign_id", "customer_id", unique=True,
          sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    Index("ix_enrollments_due", "status", "next_due_at"),
    Index("ix_enrollments_customer", "customer_id", "campaign_id", "ended_at"),
    Index("ix_enrollments_campaign", "campaign_id", "status", "enrolled_at"),  # reports, per campaign
)

deliveries = Table(
    "deliveries", metadata,
    _id(),
    _reference("enrollment_id", "enrollments.id"),
    Column("step_id", String(128), nullable=False),
    Column("campaign_id", String(128), nullable=False),
    Column("campaign_version", String(64), nullable=False),
    _reference("customer_id", "customers.id"),
    Column("email", String(320), nullable=False),
    Column("variant", String(64)),
    Column("message_id", String(255), nullable=False, unique=True),
    Column("subject", Text),
    Column("message", LargeBinary),
    Column("message_sha256", String(64)),
    Column("links", JsonDocument),
    Column("status", String(16), nullable=False),
    Column("queued_at", Time, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Time),
    Column("claimed_by", String(128)),
    Column("claimed_at", Time),
    Column("sent_at", Time),
    Column("smtp_reply", Text),
    Column("failure_reason", Text),
    _reference("run_id", "runs.id", nullable=True, cascade=False),
    UniqueConstraint("enrollment_id", "step_id", name="uq_deliveries_enrollment_step"),
    Index("ix_deliveries_status", "status", "next_attempt_at"),
    Index("ix_deliveries_customer_queued", "customer_id", "queued_at"),
    Index("ix_deliveries_campaign", "campaign_id", "step_id", "variant", "status"),  # reports, per step
)

decisions = Table(
    "decisions", metadata,
    _id(),
    _reference("run_id", "runs.id", nullable=True, cascade=False),
    Column("decided_at", Time, nullable=False),
    Column("campaign_id", String(128), nullable=False),
    Column("campaign_version", String(64), nullable=False),
    Column("rules_commit", String(64)),
    _reference("customer_id", "customers.id", nullable=True),
    _reference("enrollment_id", "enrollments.id", nullable=True),
    Column("step_id", String(128)),
    Column("decision", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("details", JsonDocument, nullable=False, default=dict),
    Index("ix_decisions_campaign", "campaign_id", "decision", "decided_at"),
    Index("ix_decisions_customer", "customer_id", "decided_at"),
)

campaign_pauses = Table(
    "campaign_pauses", metadata,
    _id(),
    Column("campaign_id", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("paused_by", String(128), nullable=False),
    Column("paused_at", Time, nullable=False),
    Column("resumed_by", String(128)),
    Column("resumed_at", Time),
    Index("uq_campaign_pauses_active", "campaign_id", unique=True,
          sqlite_where=text("resumed_at IS NULL"), postgresql_where=text("resumed_at IS NULL")),
)
