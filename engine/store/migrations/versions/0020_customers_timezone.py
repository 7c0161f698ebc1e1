"""index customers.timezone, so the timezones present are found without reading every customer.

Conditions counted in the customer's own calendar (`days_since`, `anniversary`) compile one branch per
timezone present, and finding those was `SELECT DISTINCT timezone FROM customers`: a read of the whole
table for every such audience, tick and preview (0.8 s on PostgreSQL at 1M customers, more than welcome's
count itself). With this index they are found by a walk of it, one lookup per timezone
(engine/conditions/sql.py `with_timezones`).

Revision ID: 0020_customers_timezone
Revises: 0019_pgtick3_fillfactor
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision: str = "0020_customers_timezone"
down_revision: str | None = "0019_pgtick3_fillfactor"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_customers_timezone", "customers", ["timezone"])


def downgrade() -> None:
    op.drop_index("ix_customers_timezone", table_name="customers")
