"""trigram indexes for the queue's search on PostgreSQL

The search finds a term anywhere in a receipt number or system name (ILIKE '%term%'),
which no B-tree can answer; pg_trgm's GIN indexes can, for terms of three characters or
more. pg_trgm ships with PostgreSQL and is a trusted extension (13 and later), so the
database owner may create it. SQLite has no equivalent and keeps reading in order.
The models cannot declare an index for one dialect only; tests/test_migrations.py knows
these two by name (app.review.queue.SEARCH_INDEXES).

Revision ID: c4d5e6f7a8b9
Revises: b7c1d2e3f4a5
Create Date: 2026-11-26 05:55:00

"""

from alembic import op

revision = "c4d5e6f7a8b9"
down_revision = "b7c1d2e3f4a5"
branch_labels = None
depends_on = None

COLUMNS = ("receipt_number", "system_name")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.execute(
            f"CREATE INDEX ix_notices_{column}_trgm ON notices USING gin ({column} gin_trgm_ops)"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"DROP INDEX ix_notices_{column}_trgm")
