"""The second factor: TOTP codes from an authenticator app (pyotp), and recovery codes.

Staff (reviewers, supervisors, administrators) must have it; a provider user may turn it
on. Enrolment stores a new secret and counts only once a first code confirms it; a code is
accepted once (the last accepted time step is stored); recovery codes are single-use and
stored as hashes. Everything here flushes; the request commits.
"""

import hmac
import re
import secrets
import time

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, select

from ..activity import operations as activity
from ..activity.models import AccountAction
from ..extensions import db
from ..mail import outbox
from ..models import utcnow
from .models import RecoveryCode, User
from .operations import AccountError, new_session_nonce
from .passwords import secret_hash

RECOVERY_CODE_COUNT = 10
# 24 base32 characters: 120 random bits, shown in groups of four.
RECOVERY_CODE_LENGTH = 24
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# A code from the previous or the next 30-second step is accepted too (clock drift).
VALID_WINDOW = 1

WRONG_CODE = _l("The code is not correct, or it has already been used.")


def compulsory(user: User) -> bool:
    """Staff always; a provider user when their organisation's administrator says so."""
    if user.role.is_staff:
        return True
    return bool(user.organisation and user.organisation.require_two_factor)


def required(user: User) -> bool:
    """Must this person enrol before being signed in?"""
    return not user.two_factor_enabled and compulsory(user)


def _totp(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(user.totp_secret)


def start_enrolment(user: User) -> None:
    """Give the user a new secret to put in their authenticator app (not yet in force)."""
    if user.two_factor_enabled:
        raise AccountError(_l("Two-step sign-in is already on."), "code")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()


def provisioning_uri(user: User) -> str:
    issuer = current_app.config.get("TOTP_ISSUER", "Advance Notice Registry")
    return _totp(user).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(user: User, title: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (inline SVG is allowed by our CSP, a data:
    image would not be: img-src falls back to 'self')."""
    code = segno.make(provisioning_uri(user), error="m")
    svg = code.svg_inline(scale=5, border=2, title=title, dark="#000", light="#fff")
    # Safe: segno writes the SVG and escapes the title; nothing else in it comes from users.
    return Markup(svg)  # noqa: S704  # nosec B704


def grouped(secret: str) -> str:
    """A secret or recovery code in groups of four, easier to read and type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _accept_totp(user: User, code: str) -> bool:
    if not user.totp_secret or not re.fullmatch(r"\d{6}", code):
        return False
    totp = _totp(user)
    now = totp.timecode(time.time())
    last = user.totp_last_counter if user.totp_last_counter is not None else -1
    for counter in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if counter <= last:
            continue
        if hmac.compare_digest(totp.generate_otp(counter), code):
            user.totp_last_counter = counter
            return True
    return False


def _accept_recovery_code(user: User, code: str) -> bool:
    if len(code) != RECOVERY_CODE_LENGTH:
        return False
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == secret_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def verify(user: User, code: str) -> bool:
    """A current code from the app or an unused recovery code; either is used up."""
    code = _normalise(code)
    accepted = _accept_totp(user, code) or (
        user.two_factor_enabled and _accept_recovery_code(user, code)
    )
    db.session.flush()
    return accepted


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; returns them for showing once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(BASE32) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=secret_hash(c)) for c in codes)
    db.session.flush()
    return [grouped(code) for code in codes]


def unused_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Put the second factor in force with a first valid code; returns the recovery codes."""
    if user.two_factor_enabled:
        raise AccountError(_l("Two-step sign-in is already on."), "code")
    if not user.totp_secret or not _accept_totp(user, _normalise(code)):
        raise AccountError(WRONG_CODE, "code")
    user.totp_enabled_at = utcnow()
    codes = new_recovery_codes(user)
    outbox.notify_account(user, "two_factor_enabled")
    activity.record(AccountAction.TWO_FACTOR_ENABLED, actor=user, subject=user)
    db.session.flush()
    return codes


def require_for_organisation(organisation, required: bool, *, by: User) -> None:
    """A provider administrator makes two-step sign-in compulsory (or not) for every user
    of the organisation; those not enrolled enrol at their next page or sign-in."""
    organisation.require_two_factor = required
    action = AccountAction.TWO_FACTOR_REQUIRED if required else AccountAction.TWO_FACTOR_OPTIONAL
    activity.record(action, actor=by, organisation_id=organisation.id)
    db.session.flush()


def enrol_with_secret(user: User, secret: str) -> None:
    """Enrol directly with a known secret: demonstration accounts and tests only."""
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_counter = None
    db.session.flush()


def replace_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes for a signed-in user who proves the second factor with a code
    (the old codes stop working); returns them for showing once."""
    if not user.two_factor_enabled:
        raise AccountError(_l("Two-step sign-in is off."), "code")
    if not verify(user, code):
        raise AccountError(WRONG_CODE, "code")
    codes = new_recovery_codes(user)
    outbox.notify_account(user, "recovery_codes_replaced")
    activity.record(AccountAction.RECOVERY_CODES_REPLACED, actor=user, subject=user)
    return codes


def reset(user: User, *, by: User | None) -> None:
    """An administrator clears a user's second factor (a lost or replaced phone).

    The secret and the recovery codes go, every session of the user ends, and the user is
    told by mail. Staff, and users of an organisation that requires it, enrol again at
    their next sign-in, after the password."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_nonce = new_session_nonce()
    outbox.notify_account(user, "two_factor_reset")
    activity.record(AccountAction.TWO_FACTOR_RESET, actor=by, subject=user)
    db.session.flush()


def turn_off(user: User, code: str) -> None:
    """A provider user turns the second factor off, proving it with a code."""
    if user.role.is_staff:
        raise AccountError(_l("Staff accounts always sign in in two steps."), "code")
    if compulsory(user):
        raise AccountError(
            _l("Your organisation requires two-step sign-in for every user."), "code"
        )
    if not user.two_factor_enabled:
        return
    if not verify(user, code):
        raise AccountError(WRONG_CODE, "code")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    outbox.notify_account(user, "two_factor_disabled")
    activity.record(AccountAction.TWO_FACTOR_DISABLED, actor=user, subject=user)
    db.session.flush()
