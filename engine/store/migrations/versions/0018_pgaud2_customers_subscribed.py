"""customers (id) INCLUDE (subscribed), on PostgreSQL only: an audience that names its customers by id (a recent
event, `customers.id = ANY(ARRAY(...))`, docs/conditions.md) checks `subscribed: true` in the index alone,
without reading each customer's row. `subscribed` is included rather than a key column: as a key, PostgreSQL
read `subscribed = true` (97% of the customers) through the index as a bitmap in other audiences, slower than
its scan. SQLite has no INCLUDE and is left without it.

Revision ID: 0018_pgaud2_customers_subscribed
Revises: 0017_pgtick2_message_lz4
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision: str = "0018_pgaud2_customers_subscribed"
down_revision: str | None = "0017_pgtick2_message_lz4"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_customers_id_subscribed", "customers", ["id"], postgresql_include=["subscribed"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_customers_id_subscribed", table_name="customers")
