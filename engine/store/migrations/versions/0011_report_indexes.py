"""Indexes for reporting: a campaign's enrolments by status and enrolment time, and a campaign's outbox by
step, variant and status, so `rekindle report` reads one campaign's rows from an index instead of scanning
every campaign's.

Revision ID: 0011
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision: str = "0011"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_enrollments_campaign", "enrollments", ["campaign_id", "status", "enrolled_at"])
    op.create_index("ix_deliveries_campaign", "deliveries", ["campaign_id", "step_id", "variant", "status"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_campaign", table_name="deliveries")
    op.drop_index("ix_enrollments_campaign", table_name="enrollments")
