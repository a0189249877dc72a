"""provider as filed: the provider's identity on the notice, copied at submission

The public register listed a notice under its provider's profile as it is today, so a
renamed provider's accepted notices showed the new name, while the acknowledgements and
the verification page show the name filed. notices.provider_* hold the names (and their
search key), corporate number and LEI as filed; submit_notice sets them from the same
profile that version 1's snapshot records. Filed notices are filled in from their version
1 snapshot, or from the profile where a notice has none. refers_to_id gets an index: the
register asks of each accepted notice whether a later one discontinued it. On PostgreSQL
the register's search (ILIKE '%term%' on the receipt number, the system's and provider's
names, corporate number and LEI) gets trigram indexes on the new columns, so that with
c4d5e6f7a8b9's every column it compares has one (app.public.register.SEARCH_INDEXES).

Revision ID: e2f3a4b5c6d7
Revises: d0e1f2a3b4c5
Create Date: 2026-11-27 10:00:00
"""

import sqlalchemy as sa
from alembic import op

from app.domain.text import search_key

revision = "e2f3a4b5c6d7"
down_revision = "d0e1f2a3b4c5"
branch_labels = None
depends_on = None

FIELDS = ("name_ja", "name_en", "corporate_number", "lei")
SEARCHED = ("provider_name_key", "provider_corporate_number", "provider_lei")

notices = sa.table(
    "notices",
    sa.column("id", sa.Integer),
    sa.column("organisation_id", sa.Integer),
    sa.column("receipt_number", sa.String),
    *(sa.column(f"provider_{name}", sa.String) for name in FIELDS),
    sa.column("provider_name_key", sa.Text),
)
organisations = sa.table("organisations", sa.column("id", sa.Integer), *map(sa.column, FIELDS))
versions = sa.table(
    "notice_versions",
    sa.column("notice_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("snapshot", sa.Text),
)


def upgrade():
    for name in ("name_ja", "name_en"):
        op.add_column(
            "notices",
            sa.Column(
                f"provider_{name}",
                sa.String(length=200),
                server_default=sa.text("''"),
                nullable=False,
            ),
        )
    op.add_column(
        "notices",
        sa.Column("provider_name_key", sa.Text(), server_default=sa.text("''"), nullable=False),
    )
    op.add_column("notices", sa.Column("provider_corporate_number", sa.String(length=13)))
    op.add_column("notices", sa.Column("provider_lei", sa.String(length=20)))
    op.create_index(op.f("ix_notices_refers_to_id"), "notices", ["refers_to_id"])
    bind = op.get_bind()
    filed = notices.c.receipt_number.is_not(None)
    # What version 1 recorded (the profile as it was when the notice was filed), or where
    # a filed notice has no version 1, the profile as it is now: one or the other a row.
    has_first = (
        sa.exists()
        .where(versions.c.notice_id == notices.c.id, versions.c.number == 1)
        .correlate(notices)
    )
    bind.execute(
        notices.update()
        .where(filed, ~has_first)
        .values(
            {
                f"provider_{name}": sa.select(organisations.c[name])
                .where(organisations.c.id == notices.c.organisation_id)
                .scalar_subquery()
                for name in FIELDS
            }
        )
    )
    snapshot = (
        sa.cast(versions.c.snapshot, sa.JSON)
        if bind.dialect.name == "postgresql"
        else sa.type_coerce(versions.c.snapshot, sa.JSON)
    )
    first = (
        sa.select(
            versions.c.notice_id,
            *(snapshot[("provider", name)].as_string().label(name) for name in FIELDS),
        )
        .where(versions.c.number == 1)
        .subquery()
    )
    bind.execute(
        notices.update()
        .where(notices.c.id == first.c.notice_id)
        .values({f"provider_{name}": first.c[name] for name in FIELDS})
    )
    # One statement per provider and pair of names, found by the organisation's index.
    pairs = sa.select(
        notices.c.organisation_id, notices.c.provider_name_ja, notices.c.provider_name_en
    ).where(filed)
    for organisation_id, name_ja, name_en in bind.execute(pairs.distinct()).all():
        bind.execute(
            notices.update()
            .where(
                notices.c.organisation_id == organisation_id,
                notices.c.provider_name_ja == name_ja,
                notices.c.provider_name_en == name_en,
                filed,
            )
            .values(provider_name_key=search_key(name_ja, name_en))
        )
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in SEARCHED:
            op.execute(
                f"CREATE INDEX ix_notices_{column}_trgm ON notices USING gin ({column} gin_trgm_ops)"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in SEARCHED:
            op.execute(f"DROP INDEX ix_notices_{column}_trgm")
    op.drop_index(op.f("ix_notices_refers_to_id"), table_name="notices")
    # ALTER TABLE ... DROP COLUMN, on SQLite too (3.35 and later): a batch operation would
    # rebuild the notices table and lose its triggers (notice_status_counts).
    for name in ("lei", "corporate_number", "name_key", "name_en", "name_ja"):
        op.drop_column("notices", f"provider_{name}")
