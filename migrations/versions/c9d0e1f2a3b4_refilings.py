"""refilings: the returned or withdrawn notice a new one was started from

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-11-26 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c9d0e1f2a3b4"
down_revision = "b8c9d0e1f2a3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "refilings",
        sa.Column("notice_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("earlier_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["earlier_id"],
            ["notices.id"],
            name=op.f("fk_refilings_earlier_id_notices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_refilings_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_refilings")),
    )
    op.create_index(op.f("ix_refilings_earlier_id"), "refilings", ["earlier_id"])


def downgrade():
    op.drop_index(op.f("ix_refilings_earlier_id"), table_name="refilings")
    op.drop_table("refilings")
