"""runs.kind: `tick` for the runs every existing row is, `arrival` for enrolment on the arrival of events posted
to the web endpoint, which `rekindle status` must not mistake for the schedule's ticks.

Revision ID: 0016_b15_run_kind
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016_b15_run_kind"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="tick"))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("kind")
