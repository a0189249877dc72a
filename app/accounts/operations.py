"""Named operations on accounts and organisations. They flush; the request commits."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..activity import operations as activity
from ..activity.models import AccountAction
from ..extensions import db
from ..mail import outbox
from ..models import utcnow
from .models import Invitation, Organisation, OrganisationKind, Role, User
from .passwords import hash_password, verify_password

PROFILE_FIELDS = (
    "kind",
    "name_ja",
    "name_en",
    "corporate_number",
    "country",
    "lei",
    "postal_code",
    "address",
    "representative_name",
    "representative_title",
    "contact_name",
    "contact_department",
    "contact_email",
    "contact_phone",
)


class AccountError(Exception):
    """A refusal with a message for the user, attached to a field when `field` is set."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _current_language() -> str:
    """The language the person was using when the account was made: it becomes theirs."""
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None and locale.language in ("ja", "en") else "ja"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_session_nonce() -> str:
    return secrets.token_hex(16)


def _apply_profile(organisation: Organisation, data: dict) -> None:
    for name in PROFILE_FIELDS:
        setattr(organisation, name, data[name])
    if organisation.kind == OrganisationKind.DOMESTIC:
        organisation.lei = None
        organisation.country = "JP"
    else:
        organisation.corporate_number = None


def _check_identifiers_free(organisation: Organisation) -> None:
    for column, field in (
        (Organisation.corporate_number, "corporate_number"),
        (Organisation.lei, "lei"),
    ):
        value = getattr(organisation, field)
        if value is None:
            continue
        clash = db.session.scalar(
            select(Organisation.id).where(column == value, Organisation.id != organisation.id)
        )
        if clash:
            raise AccountError(
                _l("An organisation with this identifier is already registered."), field
            )


def _check_email_free(email: str) -> None:
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(_l("An account with this e-mail address already exists."), "email")


def register_organisation(profile: dict, name: str, email: str, password: str) -> User:
    email = normalise_email(email)
    _check_email_free(email)
    organisation = Organisation()
    _apply_profile(organisation, profile)
    _check_identifiers_free(organisation)
    db.session.add(organisation)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=Role.PROVIDER_ADMIN,
        organisation=organisation,
        session_nonce=new_session_nonce(),
        locale=_current_language(),
    )
    db.session.add(user)
    db.session.flush()
    activity.record(AccountAction.ORGANISATION_REGISTERED, actor=user, subject=user)
    return user


def update_organisation(organisation: Organisation, profile: dict, *, by: User | None) -> None:
    _apply_profile(organisation, profile)
    _check_identifiers_free(organisation)
    activity.record(AccountAction.ORGANISATION_UPDATED, actor=by, organisation_id=organisation.id)
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        return None
    # last_login_at is set when the sign-in completes (after the code step, if any).
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_user(organisation: Organisation, inviter: User, email: str, role: Role) -> str:
    """Create an invitation and return its token, which is shown once and stored hashed."""
    email = normalise_email(email)
    _check_email_free(email)
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITATION_DAYS"]
    db.session.add(
        Invitation(
            organisation=organisation,
            email=email,
            role=Role(role),
            token_hash=_token_hash(token),
            invited_by=inviter,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    activity.record(
        AccountAction.USER_INVITED, actor=inviter, organisation_id=organisation.id, detail=email
    )
    db.session.flush()
    return token


def open_invitation(token: str) -> Invitation | None:
    """The invitation for this token while it can still be accepted."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    )
    if invitation is None or invitation.accepted_at is not None:
        return None
    expires = invitation.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=utcnow().tzinfo)
    if expires <= utcnow():
        return None
    return invitation


def accept_invitation(invitation: Invitation, name: str, password: str) -> User:
    _check_email_free(invitation.email)
    invitation.accepted_at = utcnow()
    user = User(
        email=invitation.email,
        name=name,
        password_hash=hash_password(password),
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        session_nonce=new_session_nonce(),
        locale=_current_language(),
    )
    db.session.add(user)
    db.session.flush()
    activity.record(AccountAction.INVITATION_ACCEPTED, actor=user, subject=user)
    return user


def create_staff_user(name: str, email: str, role: Role, password: str, *, by: User | None) -> User:
    """A reviewer's, supervisor's or administrator's account; ``by`` is the administrator
    who made it, None from the command line."""
    role = Role(role)
    if role.is_provider:
        raise AccountError(
            _l("Staff accounts are for reviewers, supervisors and administrators only."), "role"
        )
    email = normalise_email(email)
    _check_email_free(email)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        session_nonce=new_session_nonce(),
    )
    db.session.add(user)
    db.session.flush()
    activity.record(AccountAction.STAFF_ACCOUNT_CREATED, actor=by, subject=user)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and end every session of the user, remembered ones included.

    The caller keeps its own session with ``sessions.carry_over``; a notice goes to the
    user's address, so that someone who did not make the change hears of it."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_l("The current password is not correct."), "current_password")
    user.password_hash = hash_password(new)
    user.session_nonce = new_session_nonce()
    outbox.notify_account(user, "password_changed")
    activity.record(AccountAction.PASSWORD_CHANGED, actor=user, subject=user)
    db.session.flush()


def set_active(user: User, active: bool, *, by: User | None) -> None:
    user.active = active
    # Ends every session of this user, remembered ones included.
    user.session_nonce = new_session_nonce()
    action = AccountAction.ACCOUNT_ENABLED if active else AccountAction.ACCOUNT_DISABLED
    activity.record(action, actor=by, subject=user)
    db.session.flush()
