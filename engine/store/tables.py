"""The store's tables, as SQLAlchemy Core `Table`s: the schema itself, with no ORM.

Code that only reads or writes rows with SQL statements (audiences, conditions, the schema check every command
runs) imports these and never loads the ORM, which costs about as much again as SQLAlchemy's Core to import
(bench/startup.py). The ORM classes of engine/store/models.py are mapped onto these same tables for the code
that works with sessions. Schema changes ship as Alembic migrations in `engine/store/migrations/`; a test fails
when this metadata and the migrations disagree.

Times are stored as naive UTC (`engine.timeutil.to_naive_utc`) so SQLite and PostgreSQL compare them the same
way. The shape of each table is documented on its ORM class.

Nothing here names PostgreSQL's types or options where the tables are defined: SQLAlchemy imports its whole
PostgreSQL dialect (every driver module, asyncio with them: about 45 ms) for a `JSONB()` or a
`postgresql_where=`, which every command on SQLite would pay (bench/startup.py). JSONB comes in through
`JsonDocument` when a PostgreSQL statement is compiled, and the partial indexes get their PostgreSQL predicate
just before PostgreSQL creates them (`_partial`).
"""

from __future__ import annotations

from typing import Any

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
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

metadata = MetaData()


class JsonDocument(TypeDecorator[Any]):
    """A JSON document: JSONB on PostgreSQL, JSON (text) elsewhere; what `JSON().with_variant(JSONB(),
    "postgresql")` means, without a JSONB instance built at import (see the module docstring)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite only autoincrements INTEGER PRIMARY KEY
Time = DateTime(timezone=False)


def _id() -> Column:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _reference(name: str, target: str, *, nullable: bool = False, cascade: bool = True) -> Column:
    """A foreign key column; it takes its type from the column it references."""
    return Column(name, ForeignKey(target, ondelete="CASCADE" if cascade else None), nullable=nullable)


_POSTGRESQL_OPTIONS: list[tuple[Index, str, Any]] = []
"""Index options only PostgreSQL reads (index, option, value): the partial indexes' predicates, an INCLUDE.
Given at construction they would load SQLAlchemy's PostgreSQL dialect on SQLite, so `with_postgresql_options`
adds them when PostgreSQL creates or compares the tables."""


def _postgresql_option(index: Index, option: str, value: Any) -> Index:
    """`index`, with `option` (`where`, `include`) to be added for PostgreSQL."""
    _POSTGRESQL_OPTIONS.append((index, option, value))
    return index


def _partial(name: str, *columns: str, where: str) -> Index:
    """A unique index over the rows where `where` holds, on both dialects. SQLite's predicate is given here;
    PostgreSQL's is added when PostgreSQL creates the table (`metadata.create_all`, `Table.create`) or compares
    it (`with_postgresql_options`), the only times it is read."""
    return _postgresql_option(Index(name, *columns, unique=True, sqlite_where=text(where)), "where", text(where))


def with_postgresql_options() -> MetaData:
    """The metadata with every PostgreSQL-only option in place (idempotent): for DDL and schema comparisons on
    PostgreSQL, which load its dialect anyway."""
    for index, option, value in _POSTGRESQL_OPTIONS:
        if index.dialect_options["postgresql"][option] is None:  # `in dialect_kwargs` is true for defaults too
            index.dialect_kwargs[f"postgresql_{option}"] = value
    return metadata


@event.listens_for(Table, "before_create")
def _before_create(table: Table, connection: Any, **_: Any) -> None:
    """Every CREATE TABLE (and its CREATE INDEXes) on PostgreSQL sees the PostgreSQL options."""
    if connection.dialect.name == "postgresql" and table.metadata is metadata:
        with_postgresql_options()


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
    Column("attributes", JsonDocument(), nullable=False, default=dict),
    Column("last_active_at", Time),
    Index("ix_customers_last_active_at", "last_active_at"),
    Index("ix_customers_email", "email"),
    Index("ix_customers_timezone", "timezone"),  # the timezones present, one lookup each (migration 0020)
    Index("ix_customers_created_at", "created_at"),  # recent sign-ups, `days_since` created_at (migration 0021)
    # PostgreSQL only (migration 0018): "subscribed" of customers looked up by id without reading their rows (an
    # index-only scan). Included, not a key column: as a key, PostgreSQL read `subscribed = true` (97% of the
    # customers) through it as a bitmap where a scan is cheaper, and SQLite, without statistics, would too.
    _postgresql_option(Index("ix_customers_id_subscribed", "id").ddl_if(dialect="postgresql"),
                       "include", ["subscribed"]),
)

events = Table(
    "events", metadata,
    _id(),
    _reference("customer_id", "customers.id"),
    Column("name", String(128), nullable=False),
    Column("occurred_at", Time, nullable=False),
    Column("properties", JsonDocument(), nullable=False, default=dict),
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
    Column("summary", JsonDocument(), nullable=False, default=dict),
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
    _partial("uq_enrollments_active", "campaign_id", "customer_id", where="status = 'active'"),
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
    Column("links", JsonDocument()),
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
    Column("details", JsonDocument(), nullable=False, default=dict),
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
    _partial("uq_campaign_pauses_active", "campaign_id", where="resumed_at IS NULL"),
)
