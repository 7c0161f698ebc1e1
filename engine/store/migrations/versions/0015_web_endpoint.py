"""The web endpoint and idempotent events: events.event_id (unique per customer, existing rows get their
content key), deliveries.links (the original URLs behind tracked links) and category_optouts (the preference
page's choices).

Revision ID: 0015
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from engine.store.event_keys import content_key

revision: str = "0015"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BATCH = 10_000

_events = sa.table(
    "events",
    sa.column("id", ID),
    sa.column("customer_id", ID),
    sa.column("name", sa.String(128)),
    sa.column("occurred_at", sa.DateTime()),
    sa.column("properties", JSON_DOCUMENT),
    sa.column("event_id", sa.String(255)),
)


def upgrade() -> None:
    op.add_column("events", sa.Column("event_id", sa.String(255), nullable=True))
    _fill_event_ids(op.get_bind())
    with op.batch_alter_table("events") as batch:
        batch.create_unique_constraint("uq_events_customer_event_id", ["customer_id", "event_id"])
    op.add_column("deliveries", sa.Column("links", JSON_DOCUMENT, nullable=True))
    op.create_table(
        "category_optouts",
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "category"),
    )


def _fill_event_ids(connection: sa.Connection) -> None:
    """Every existing event gets its content key, walked in (customer, id) keyset batches. Events that were
    already stored twice (the doubled imports this revision ends) keep both rows: the later twin's key gets
    `#<id>` appended, so a re-import still matches the first."""
    e = _events.c
    last = (-1, -1)
    seen_customer: int | None = None
    seen_keys: set[str] = set()
    while True:
        rows = connection.execute(
            sa.select(e.id, e.customer_id, e.name, e.occurred_at, e.properties)
            .where(sa.tuple_(e.customer_id, e.id) > sa.tuple_(*last))
            .order_by(e.customer_id, e.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        updates = []
        for row in rows:
            if row.customer_id != seen_customer:
                seen_customer, seen_keys = row.customer_id, set()
            key = content_key(row.name, row.occurred_at, row.properties or {})
            if key in seen_keys:
                key = f"{key}#{row.id}"
            seen_keys.add(key)
            updates.append({"b_id": row.id, "b_key": key})
        connection.execute(
            sa.update(_events).where(e.id == sa.bindparam("b_id")).values(event_id=sa.bindparam("b_key")), updates
        )
        last = (rows[-1].customer_id, rows[-1].id)


def downgrade() -> None:
    op.drop_table("category_optouts")
    op.drop_column("deliveries", "links")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_customer_event_id", type_="unique")
        batch.drop_column("event_id")
