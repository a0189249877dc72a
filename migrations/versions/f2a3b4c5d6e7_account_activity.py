"""account activity: who did what to which account (append-only)

Revision ID: f2a3b4c5d6e7
Revises: e1f2a3b4c5d6
Create Date: 2026-11-26 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f2a3b4c5d6e7"
down_revision = "e1f2a3b4c5d6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("detail", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_account_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_account_events_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["users.id"],
            name=op.f("fk_account_events_subject_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    for column in ("actor_id", "subject_id", "organisation_id"):
        op.create_index(f"ix_account_events_{column}_id", "account_events", [column, "id"])
    if op.get_bind().dialect.name == "postgresql":
        # Like a notice's history: no code path rewrites it, and neither may a stray UPDATE.
        op.execute(
            "CREATE FUNCTION account_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'account_events is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER account_events_append_only BEFORE UPDATE OR DELETE ON account_events "
            "FOR EACH ROW EXECUTE FUNCTION account_events_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS account_events_append_only ON account_events")
        op.execute("DROP FUNCTION IF EXISTS account_events_append_only()")
    for column in ("actor_id", "subject_id", "organisation_id"):
        op.drop_index(f"ix_account_events_{column}_id", table_name="account_events")
    op.drop_table("account_events")
