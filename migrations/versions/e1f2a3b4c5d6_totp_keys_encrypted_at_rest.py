"""second-factor keys encrypted at rest (users.totp_secret holds a Fernet token)

Revision ID: e1f2a3b4c5d6
Revises: b7d2e4a91c05
Create Date: 2026-11-26 10:40:00

The key comes from the application's SECRET_KEY (app/accounts/secrets_at_rest.py), so
run this migration with the SECRET_KEY the application uses.
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from app.accounts.secrets_at_rest import fernet_for

revision = "e1f2a3b4c5d6"
down_revision = "b7d2e4a91c05"
branch_labels = None
depends_on = None


def _stored_keys(connection):
    return connection.execute(
        sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
    ).all()


def _resize_column(length: int, new_length: int) -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=length),
            type_=sa.String(length=new_length),
            existing_nullable=True,
        )


def upgrade():
    _resize_column(64, 255)
    connection = op.get_bind()
    fernet = fernet_for(current_app.config["SECRET_KEY"])
    for user_id, secret in _stored_keys(connection):
        connection.execute(
            sa.text("UPDATE users SET totp_secret = :token WHERE id = :id"),
            {"token": fernet.encrypt(secret.encode()).decode("ascii"), "id": user_id},
        )


def downgrade():
    connection = op.get_bind()
    fernet = fernet_for(current_app.config["SECRET_KEY"])
    for user_id, token in _stored_keys(connection):
        # A key that cannot be read back (another SECRET_KEY) is dropped: that person
        # enrols again, as after a reset.
        try:
            values = {"secret": fernet.decrypt(token.encode("ascii")).decode(), "enabled": True}
        except Exception:  # noqa: BLE001 - InvalidToken or a malformed value alike
            values = {"secret": None, "enabled": False}
        connection.execute(
            sa.text(
                "UPDATE users SET totp_secret = :secret, totp_enabled_at = CASE "
                "WHEN :enabled THEN totp_enabled_at END WHERE id = :id"
            ),
            {**values, "id": user_id},
        )
    _resize_column(255, 64)
