"""index customers.created_at, so "signed up in the last n days" reads only the recent sign-ups.

`days_since: {field: created_at, lte: n}` (welcome's audience) compiles to one CASE branch per timezone
behind a plain range test, `created_at >= <the earliest instant any timezone could pass>`
(engine/conditions/days_since.py `earliest_instant`). Without an index that range was a read of every customer: 0.18 s on SQLite
and 0.2-0.26 s on PostgreSQL at 1M customers, for the 8,673 sign-ups of the last week. With it, both stores
read just those (14 ms on PostgreSQL, 30 ms on SQLite). `inactive` compares created_at too, but as
`+created_at` on SQLite, so it keeps its own plan (engine/conditions/inactive.py).

Revision ID: 0021_customers_created_at
Revises: 0020_customers_timezone
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision: str = "0021_customers_created_at"
down_revision: str | None = "0020_customers_timezone"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_customers_created_at", "customers", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_customers_created_at", table_name="customers")
