"""A forgotten password: a link by mail that sets a new one, once, for a short while.

Asking tells nobody whether an account uses the address: the page says the same thing
either way, and only an active account's address gets mail. The link carries a random
token whose hash names the row; it works once, for PASSWORD_RESET_MINUTES, and only the
newest link of an account works. Setting a new password through it ends every session
of the account and tells its address, as changing the password does; it does not sign
anyone in, so an account with two-step sign-in still needs its code.
"""

import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..activity import operations as activity
from ..activity.models import AccountAction
from ..core.links import public_url
from ..extensions import db
from ..mail import outbox
from ..models import UTCDateTime, utcnow
from .models import User
from .operations import new_session_nonce, normalise_email
from .passwords import hash_password, secret_hash

logger = logging.getLogger(__name__)

# A second request for the same account within this time sends no second mail: a link
# is on its way, and a stranger cannot fill someone's mailbox by asking again and again.
RESEND_AFTER = timedelta(minutes=2)


class PasswordReset(db.Model):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at = mapped_column(UTCDateTime(), nullable=False)
    # Set when the link was used, or when a newer link or a new password made it void.
    ended_at = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()


def _end_open_links(user_id: int, now) -> None:
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.ended_at.is_(None))
        .values(ended_at=now)
        # Not compared in Python with rows already loaded (naive times on SQLite).
        .execution_options(synchronize_session=False)
    )


def request_link(email: str) -> None:
    """Mail a link to set a new password to the account at ``email``, if there is an
    active one; otherwise do nothing. The caller answers the same either way."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        logger.info("password reset asked for an address without an active account")
        return
    now = utcnow()
    recent = db.session.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.user_id == user.id,
            PasswordReset.ended_at.is_(None),
            PasswordReset.created_at > now - RESEND_AFTER,
        )
    )
    if recent:
        return
    _end_open_links(user.id, now)
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    reset = PasswordReset(
        user=user,
        token_hash=secret_hash(token),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    db.session.add(reset)
    # Nobody is signed in: the person who asked is not known, only the account.
    activity.record(AccountAction.PASSWORD_RESET_REQUESTED, subject=user)
    outbox.notify_account(
        user,
        "password_reset",
        link=public_url("accounts.reset_password", token=token),
        expires_at=reset.expires_at,
        minutes=minutes,
    )
    db.session.flush()


def open_link(token: str) -> PasswordReset | None:
    """The link's row while it still works, with its user; None otherwise (unknown,
    used, replaced, expired, or its account disabled), all alike."""
    if not token or len(token) > 128:
        return None
    return db.session.scalar(
        select(PasswordReset)
        .join(PasswordReset.user)
        .where(
            PasswordReset.token_hash == secret_hash(token),
            PasswordReset.ended_at.is_(None),
            PasswordReset.expires_at > utcnow(),
            User.active.is_(True),
        )
    )


class LinkGone(Exception):
    """The link stopped working between showing the form and sending it."""


def set_new_password(token: str, password: str) -> User:
    """Set the account's password through the link, which then stops working.

    The row is locked (PostgreSQL) or the database is (SQLite) while it is checked and
    ended, so that two uses of one link at once set at most one password."""
    now = utcnow()
    ended = db.session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.token_hash == secret_hash(token),
            PasswordReset.ended_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(ended_at=now)
        .returning(PasswordReset.user_id)
        .execution_options(synchronize_session=False)
    ).first()
    user = db.session.get(User, ended[0]) if ended else None
    if user is None or not user.active:
        raise LinkGone()
    user.password_hash = hash_password(password)
    # Ends every session of the account, remembered ones included.
    user.session_nonce = new_session_nonce()
    _end_open_links(user.id, now)
    activity.record(AccountAction.PASSWORD_RESET, actor=user, subject=user)
    outbox.notify_account(user, "password_changed")
    db.session.flush()
    return user
