"""search keys: names as searches compare them (width-normalised, case-folded)

A name registered with full-width letters (株式会社ＺＥＮ) was found only by full-width
input. organisations.name_key and notices.system_name_key hold app.domain.text.search_key
of the names, kept by the models when a name is set, so ZEN, ｚｅｎ and ＺＥＮ find it.
On PostgreSQL the queue's trigram index moves from system_name to system_name_key
(app.review.queue.SEARCH_INDEXES).

Revision ID: b8c9d0e1f2a3
Revises: a3b4c5d6e7f8
Create Date: 2026-11-26 21:00:00
"""

import sqlalchemy as sa
from alembic import op

from app.domain.text import search_key

revision = "b8c9d0e1f2a3"
down_revision = "a3b4c5d6e7f8"
branch_labels = None
depends_on = None

organisations = sa.table(
    "organisations",
    sa.column("id", sa.Integer),
    sa.column("name_ja", sa.String),
    sa.column("name_en", sa.String),
    sa.column("name_key", sa.Text),
)
notices = sa.table(
    "notices", sa.column("system_name", sa.String), sa.column("system_name_key", sa.Text)
)


def upgrade():
    op.add_column(
        "organisations", sa.Column("name_key", sa.Text(), server_default=sa.text("''"), nullable=False)
    )
    op.add_column(
        "notices", sa.Column("system_name_key", sa.Text(), server_default=sa.text("''"), nullable=False)
    )
    bind = op.get_bind()
    for row in bind.execute(
        sa.select(organisations.c.id, organisations.c.name_ja, organisations.c.name_en)
    ).all():
        bind.execute(
            organisations.update()
            .where(organisations.c.id == row.id)
            .values(name_key=search_key(row.name_ja, row.name_en))
        )
    # One statement per distinct name: many notices share a system's name.
    for (name,) in bind.execute(sa.select(notices.c.system_name).distinct()).all():
        bind.execute(
            notices.update()
            .where(notices.c.system_name == name)
            .values(system_name_key=search_key(name))
        )
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_notices_system_name_trgm")
        op.execute(
            "CREATE INDEX ix_notices_system_name_key_trgm ON notices "
            "USING gin (system_name_key gin_trgm_ops)"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_notices_system_name_key_trgm")
        op.execute(
            "CREATE INDEX ix_notices_system_name_trgm ON notices "
            "USING gin (system_name gin_trgm_ops)"
        )
    # ALTER TABLE ... DROP COLUMN, on SQLite too (3.35 and later): a batch operation would
    # rebuild the notices table and lose its triggers (notice_status_counts).
    op.drop_column("notices", "system_name_key")
    op.drop_column("organisations", "name_key")
