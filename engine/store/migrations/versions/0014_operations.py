"""Operations: campaign pauses (who paused what, why, and when it was lifted) and the hash a delivery keeps
when `rekindle db prune` drops its message bytes.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "campaign_pauses",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("campaign_id", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("paused_by", sa.String(128), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("resumed_by", sa.String(128), nullable=True),
        sa.Column("resumed_at", sa.DateTime(timezone=False), nullable=True),
    )
    op.create_index(
        "uq_campaign_pauses_active", "campaign_pauses", ["campaign_id"], unique=True,
        sqlite_where=sa.text("resumed_at IS NULL"), postgresql_where=sa.text("resumed_at IS NULL"),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("message_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("message_sha256")
    op.drop_index("uq_campaign_pauses_active", table_name="campaign_pauses")
    op.drop_table("campaign_pauses")
