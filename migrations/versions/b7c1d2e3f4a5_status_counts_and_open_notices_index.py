"""status counts kept by triggers, and an index of the open notices in deadline order,
so that neither the queue's tabs nor its default page read the decided notices

Revision ID: b7c1d2e3f4a5
Revises: 2cfe13e69140
Create Date: 2026-11-26 05:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7c1d2e3f4a5"
down_revision = "2cfe13e69140"
branch_labels = None
depends_on = None

# Every status but draft; a status added later needs its row added by its migration.
FILED = (
    "submitted",
    "under_review",
    "information_requested",
    "decision_proposed",
    "accepted",
    "returned",
    "withdrawn",
)

# One statement per change: rows absent from the table (drafts) are simply not touched.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER notice_status_counts_insert AFTER INSERT ON notices
    BEGIN
        UPDATE notice_status_counts SET count = count + 1 WHERE status = NEW.status;
    END
    """,
    """
    CREATE TRIGGER notice_status_counts_delete AFTER DELETE ON notices
    BEGIN
        UPDATE notice_status_counts SET count = count - 1 WHERE status = OLD.status;
    END
    """,
    """
    CREATE TRIGGER notice_status_counts_update AFTER UPDATE OF status ON notices
    WHEN OLD.status IS NOT NEW.status
    BEGIN
        UPDATE notice_status_counts SET count = count - 1 WHERE status = OLD.status;
        UPDATE notice_status_counts SET count = count + 1 WHERE status = NEW.status;
    END
    """,
)

# PostgreSQL: the two rows of a change are locked in status order first, so two
# transactions moving notices in opposite directions (under review <-> proposed)
# cannot deadlock on them.
POSTGRESQL_FUNCTION = """
CREATE FUNCTION notice_status_counts_track() RETURNS trigger AS $$
DECLARE
    old_status varchar;
    new_status varchar;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_status := OLD.status;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_status := NEW.status;
    END IF;
    IF old_status IS NOT DISTINCT FROM new_status THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM notice_status_counts
        WHERE status IN (old_status, new_status) ORDER BY status FOR UPDATE;
    UPDATE notice_status_counts
        SET count = count
            + CASE WHEN status = new_status THEN 1 ELSE 0 END
            - CASE WHEN status = old_status THEN 1 ELSE 0 END
        WHERE status IN (old_status, new_status);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER notice_status_counts_track
    AFTER INSERT OR DELETE OR UPDATE OF status ON notices
    FOR EACH ROW EXECUTE FUNCTION notice_status_counts_track()
"""


OPEN_PREDICATE = (
    "status IN ('submitted', 'under_review', 'information_requested', 'decision_proposed')"
)


def upgrade():
    op.create_index(
        "ix_notices_open_deadline",
        "notices",
        ["review_deadline", "id"],
        postgresql_where=sa.text(OPEN_PREDICATE),
        sqlite_where=sa.text(OPEN_PREDICATE),
    )
    counts = op.create_table(
        "notice_status_counts",
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_notice_status_counts_count_not_negative")),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_notice_status_counts")),
    )
    op.bulk_insert(counts, [{"status": status, "count": 0} for status in FILED])
    # Count what is there, inside the migration's transaction.
    op.execute(
        """
        UPDATE notice_status_counts SET count = (
            SELECT count(*) FROM notices WHERE notices.status = notice_status_counts.status
        )
        """
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER notice_status_counts_track ON notices")
        op.execute("DROP FUNCTION notice_status_counts_track()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER notice_status_counts_{name}")
    op.drop_table("notice_status_counts")
    op.drop_index("ix_notices_open_deadline", table_name="notices")
