"""an index for the provider's dashboard (its notices, most recently changed first)

Revision ID: d5e6f7a8b9c0
Revises: c4d5e6f7a8b9
Create Date: 2026-11-26 06:05:00

"""

from alembic import op

revision = "d5e6f7a8b9c0"
down_revision = "c4d5e6f7a8b9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_notices_organisation_updated", "notices", ["organisation_id", "updated_at", "id"]
    )


def downgrade():
    op.drop_index("ix_notices_organisation_updated", table_name="notices")
