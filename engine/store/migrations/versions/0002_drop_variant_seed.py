"""Drop enrollments.variant_seed: variants are assigned by hashing (engine/scheduling/hashing.py), and the
column was never read or written.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments") as batch:
        batch.drop_column("variant_seed")


def downgrade() -> None:
    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(sa.Column("variant_seed", sa.String(64), nullable=True))
