"""Initial schema: the customer store (customers, events, suppressions) and the engine's state (runs,
enrollments, deliveries, decisions).

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written out in full rather than importing engine.store.models, so this revision keeps creating the schema it
created even after the models move on (later revisions describe the changes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets BIGINT ids and JSONB documents.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _id() -> sa.Column:
    return sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True)


def upgrade() -> None:
    op.create_table(
        "customers",
        _id(),
        sa.Column("external_id", sa.String(255), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=True),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("attributes", JSON_DOCUMENT, nullable=False),
        sa.Column("last_active_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_customers_email", "customers", ["email"])
    op.create_index("ix_customers_last_active_at", "customers", ["last_active_at"])

    op.create_table(
        "events",
        _id(),
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("properties", JSON_DOCUMENT, nullable=False),
    )
    op.create_index("ix_events_customer_name_time", "events", ["customer_id", "name", "occurred_at"])
    op.create_index("ix_events_name_time_customer", "events", ["name", "occurred_at", "customer_id"])

    op.create_table(
        "suppressions",
        sa.Column("email", sa.String(320), nullable=False, primary_key=True),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "runs",
        _id(),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("now", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rules_commit", sa.String(64), nullable=True),
        sa.Column("summary", JSON_DOCUMENT, nullable=False),
    )

    op.create_table(
        "enrollments",
        _id(),
        sa.Column("campaign_id", sa.String(128), nullable=False),
        sa.Column("campaign_version", sa.String(64), nullable=False),
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("variant_seed", sa.String(64), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("next_step", sa.Integer(), nullable=False),
        sa.Column("next_step_id", sa.String(128), nullable=True),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.Column("last_step_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(64), nullable=True),
        sa.Column("run_id", ID, sa.ForeignKey("runs.id"), nullable=True),
    )
    op.create_index("ix_enrollments_customer", "enrollments", ["customer_id", "campaign_id", "ended_at"])
    op.create_index("ix_enrollments_due", "enrollments", ["status", "next_due_at"])
    # At most one active enrolment per campaign and customer, enforced by the database.
    op.create_index(
        "uq_enrollments_active",
        "enrollments",
        ["campaign_id", "customer_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "deliveries",
        _id(),
        sa.Column("enrollment_id", ID, sa.ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step_id", sa.String(128), nullable=False),
        sa.Column("campaign_id", sa.String(128), nullable=False),
        sa.Column("campaign_version", sa.String(64), nullable=False),
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("variant", sa.String(64), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=False, unique=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("message", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("smtp_reply", sa.Text(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("run_id", ID, sa.ForeignKey("runs.id"), nullable=True),
        # Never two deliveries of one step of one enrolment, whatever the code above does.
        sa.UniqueConstraint("enrollment_id", "step_id", name="uq_deliveries_enrollment_step"),
    )
    op.create_index("ix_deliveries_customer_queued", "deliveries", ["customer_id", "queued_at"])
    op.create_index("ix_deliveries_status", "deliveries", ["status", "next_attempt_at"])

    op.create_table(
        "decisions",
        _id(),
        sa.Column("run_id", ID, sa.ForeignKey("runs.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("campaign_id", sa.String(128), nullable=False),
        sa.Column("campaign_version", sa.String(64), nullable=False),
        sa.Column("rules_commit", sa.String(64), nullable=True),
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=True),
        sa.Column("enrollment_id", ID, sa.ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=True),
        sa.Column("step_id", sa.String(128), nullable=True),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", JSON_DOCUMENT, nullable=False),
    )
    op.create_index("ix_decisions_campaign", "decisions", ["campaign_id", "decision", "decided_at"])
    op.create_index("ix_decisions_customer", "decisions", ["customer_id", "decided_at"])


def downgrade() -> None:
    for table in ("decisions", "deliveries", "enrollments", "runs", "suppressions", "events", "customers"):
        op.drop_table(table)
