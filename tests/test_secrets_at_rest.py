"""Second-factor keys are encrypted at rest: a copy of the database cannot make codes."""

import logging
import re

import pyotp
import sqlalchemy as sa
from sqlalchemy import select, text

from app.accounts import two_factor
from app.accounts.models import Role, User
from app.accounts.secrets_at_rest import fernet_for
from app.extensions import db
from tests.factories import make_user
from tests.test_accounts import field_error
from tests.test_two_factor import enter, password_step

BEFORE = "b7d2e4a91c05"  # the revision before the keys were encrypted


def stored(user_id: int) -> str | None:
    return db.session.execute(
        text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user_id}
    ).scalar()


def test_the_database_holds_a_token_not_the_key(app, people):
    reviewer = people.reviewer
    raw = stored(reviewer.id)
    assert reviewer.totp_secret and re.fullmatch(r"[A-Z2-7]{16,64}", reviewer.totp_secret)
    assert raw != reviewer.totp_secret and reviewer.totp_secret not in raw
    assert fernet_for("test").decrypt(raw.encode()).decode() == reviewer.totp_secret
    # The same key stored twice gives two different tokens.
    other = make_user(Role.REVIEWER)
    two_factor.enrol_with_secret(other, reviewer.totp_secret)
    db.session.commit()
    assert stored(other.id) != raw


def test_a_key_from_another_secret_key_reads_as_absent_and_signing_in_says_so(
    app, client, people, caplog
):
    reviewer = people.reviewer
    secret = pyotp.random_base32()
    token = fernet_for("another SECRET_KEY").encrypt(secret.encode()).decode()
    db.session.execute(
        text("UPDATE users SET totp_secret = :t WHERE id = :id"), {"t": token, "id": reviewer.id}
    )
    db.session.commit()
    db.session.expire_all()
    with caplog.at_level(logging.ERROR):
        assert db.session.get(User, reviewer.id).totp_secret is None
    assert "cannot be decrypted" in caplog.text

    password_step(client, reviewer)
    refused = enter(client, pyotp.TOTP(secret).now())
    assert refused.status_code == 200
    assert "not correct" in field_error(refused, "code")


def test_the_migration_encrypts_the_stored_keys_and_its_downgrade_decrypts_them(
    make_app, migrations, database_factory
):
    url = database_factory.create()
    migrations.upgrade(url, BEFORE)
    engine = sa.create_engine(url)
    secret = pyotp.random_base32()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, locale, active, "
                "session_nonce, created_at, totp_secret, totp_enabled_at) VALUES "
                "('r@fsa.example.com', 'R', 'x', 'reviewer', 'ja', :yes, 'n', "
                "CURRENT_TIMESTAMP, :secret, CURRENT_TIMESTAMP)"
            ),
            {"yes": True, "secret": secret},
        )

    def raw():
        with engine.connect() as connection:
            return connection.execute(text("SELECT totp_secret FROM users")).scalar()

    migrations.upgrade(url)
    assert raw() != secret
    assert fernet_for("test").decrypt(raw().encode()).decode() == secret
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        assert db.session.scalar(select(User.totp_secret)) == secret

    migrations.downgrade(url, BEFORE)
    assert raw() == secret
    engine.dispose()
