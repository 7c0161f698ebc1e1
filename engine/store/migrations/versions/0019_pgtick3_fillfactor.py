"""deliveries filled to half of each page on PostgreSQL (fillfactor 50), so the render claim is a HOT update.

A due email is written three times: inserted by the tick (status `rendering`), claimed by a renderer (its
token and the time), stored rendered (bytes, status `queued`). The claim changes no indexed column, but with
every page full its new row version went to another page, and each of the table's six indexes got an entry
for it: 27 of the 200 us PostgreSQL spent per email of a 100k-customer tick. With half of each page free the
new version stays on the page, no index is touched (a heap-only tuple), and the claim costs half as much
(13.6 us). The storing write changes the status, which is indexed, so it is not affected. The price is
space: the deliveries heap (not the messages, which are TOASTed) takes up to twice the pages. Only pages
written from now on are affected. SQLite has no such setting.

Revision ID: 0019_pgtick3_fillfactor
Revises: 0018_pgaud2_customers_subscribed
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision: str = "0019_pgtick3_fillfactor"
down_revision: str | None = "0018_pgaud2_customers_subscribed"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries RESET (fillfactor)")
