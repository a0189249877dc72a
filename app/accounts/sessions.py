"""Server-side sign-in sessions: a cookie is only as good as its row.

Flask's signed cookie alone cannot be revoked, so each sign-in gets a row; the cookie
carries a random token whose hash names the row. Signing out, the idle and absolute
timeouts, a password change and disabling the account (which rotates the user's
nonce) end the row, and with it every copy of the cookie."""

import secrets
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, contains_eager, mapped_column

from ..activity import operations as activity
from ..activity.models import AccountAction
from ..database import READ_METHODS
from ..extensions import db
from ..models import UTCDateTime, as_utc, utcnow
from .models import User
from .passwords import secret_hash

TOUCH_EVERY = timedelta(seconds=60)


class SignInSession(db.Model):
    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The user's nonce at sign-in: rotating it ends every session of the user.
    user_nonce: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_seen_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    ended_at = mapped_column(UTCDateTime(), nullable=True)


def start(user: User) -> str:
    """Open a session row for a sign-in; returns the token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        SignInSession(token_hash=secret_hash(token), user_id=user.id, user_nonce=user.session_nonce)
    )
    activity.record(AccountAction.SIGNED_IN, actor=user, subject=user)
    db.session.flush()
    user.session_token = token
    return token


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def absolute_limit() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])


def _live(now, user_nonce) -> tuple:
    """What makes a session still accepted: not ended, issued under the user's current
    nonce (a rotation ends them all), within the absolute and the idle limit."""
    return (
        SignInSession.ended_at.is_(None),
        SignInSession.user_nonce == user_nonce,
        SignInSession.created_at > now - absolute_limit(),
        SignInSession.last_seen_at > now - idle_limit(),
    )


def resume(user_id: int, token: str) -> User | None:
    """The user of a live session, or None; keeps the idle clock running."""
    # The session, its user and the user's organisation in one statement: every signed-in
    # request starts here (user.organisation is then found in the session, not fetched).
    now = utcnow()
    found = db.session.execute(
        db.select(SignInSession, User)
        .join(User, User.id == SignInSession.user_id)
        .outerjoin(User.organisation)
        .options(contains_eager(User.organisation))
        .where(
            SignInSession.token_hash == secret_hash(token),
            SignInSession.user_id == user_id,
            User.active.is_(True),
            *_live(now, User.session_nonce),
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if now - as_utc(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
        # A read request commits nothing else, so the touch is committed here; a write
        # request commits it with its own work (one connection, one lock on SQLite).
        if request.method in READ_METHODS:
            db.session.commit()
    user.session_token = token
    return user


def extend(token: str) -> None:
    row = db.session.scalar(
        db.select(SignInSession).where(SignInSession.token_hash == secret_hash(token))
    )
    if row is not None:
        row.last_seen_at = utcnow()
        db.session.flush()


def carry_over(token: str, user: User) -> None:
    """Keep this one session alive across a rotation of the user's nonce (which ends all
    the others): after a password change, the person who made it stays signed in."""
    db.session.execute(
        update(SignInSession)
        .where(
            SignInSession.token_hash == secret_hash(token),
            SignInSession.user_id == user.id,
            SignInSession.ended_at.is_(None),
        )
        .values(user_nonce=user.session_nonce)
    )


def others_open(user: User, token: str) -> int:
    """How many other sessions of the user would still be accepted: not ended, not timed
    out, from since the user's sessions were last ended all at once."""
    now = utcnow()
    return db.session.scalar(
        select(func.count())
        .select_from(SignInSession)
        .where(
            SignInSession.user_id == user.id,
            SignInSession.token_hash != secret_hash(token),
            *_live(now, user.session_nonce),
        )
    )


def end_others(user: User, token: str) -> None:
    """End every session of the user but this one: a browser left signed in elsewhere."""
    db.session.execute(
        update(SignInSession)
        .where(
            SignInSession.user_id == user.id,
            SignInSession.token_hash != secret_hash(token),
            SignInSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    )
    activity.record(AccountAction.SIGNED_OUT_ELSEWHERE, actor=user, subject=user)
    db.session.flush()


def end(token: str | None) -> None:
    if not token:
        return
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.token_hash == secret_hash(token), SignInSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
