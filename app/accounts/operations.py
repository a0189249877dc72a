"""Named operations on accounts and organisations. They flush; the request commits."""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..activity import operations as activity
from ..activity.models import AccountAction
from ..core.links import public_url
from ..extensions import db
from ..mail import outbox
from ..models import as_utc, utcnow
from .models import Invitation, Organisation, OrganisationKind, Role, User
from .passwords import hash_password, secret_hash, verify_password

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


class InvitationGone(AccountError):
    """The invitation was accepted, withdrawn or sent again, or has expired, since the page
    that offered it was shown. The views answer 404, as for one that never existed."""

    def __init__(self):
        super().__init__(_l("This invitation is no longer pending."))


def _current_language() -> str:
    """The language the person was using when the account was made: it becomes theirs."""
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None and locale.language in ("ja", "en") else "ja"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_session_nonce() -> str:
    return secrets.token_hex(16)


# Both identifiers are kept whatever the kind of company: a Japanese company may hold an
# LEI, and a foreign company registered in Japan has a corporate number. The kind decides
# which one is required (the form, and the database's identifier_for_kind constraint).
IDENTIFIER_FIELDS = ("corporate_number", "lei")

FOREIGN_IN_JAPAN = _l(
    "A foreign company is incorporated outside Japan. Choose its country of incorporation, "
    "or choose Japanese company."
)
DOMESTIC_ABROAD = _l(
    "A Japanese company is incorporated in Japan. Choose Japan, or choose foreign company."
)


def country_problem(kind: str, country: str | None):
    """Why the country of incorporation does not fit the kind of company, or None.

    Shared by the profile form, the operations below and the completeness check at
    submission, so that a notice never copies a profile that breaks the rule."""
    if kind == OrganisationKind.FOREIGN and country == "JP":
        return FOREIGN_IN_JAPAN
    if kind == OrganisationKind.DOMESTIC and country != "JP":
        return DOMESTIC_ABROAD
    return None


def _apply_profile(organisation: Organisation, data: dict) -> None:
    for name in PROFILE_FIELDS:
        value = data[name]
        if name in IDENTIFIER_FIELDS:
            value = value or None  # blank is "none" (the columns are unique)
        setattr(organisation, name, value)
    problem = country_problem(organisation.kind, organisation.country)
    if problem is not None:
        raise AccountError(problem, "country")


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


EMAIL_TAKEN = _l("An account with this e-mail address already exists.")
# At sign-up the person is most likely the account's own, back after a while.
EMAIL_TAKEN_AT_SIGN_UP = _l(
    "An account with this e-mail address already exists. If it is yours, sign in with it; "
    "if you have forgotten its password, the sign-in page lets you set a new one."
)


def _check_email_free(email: str, message=EMAIL_TAKEN) -> None:
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(message, "email")


# Any address that has an account outside the organisation gets this one answer, whoever
# the account belongs to: an invitation must not tell one provider who has accounts at
# another provider or at the FSA.
NOT_INVITABLE = _l(
    "This e-mail address cannot be invited. Check the address with your colleague, or use "
    "another one."
)


def _check_invitable(organisation: Organisation, email: str) -> None:
    holder = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if holder is None:
        return
    if holder.organisation_id == organisation.id:
        raise AccountError(
            _l("This e-mail address already belongs to a user of your organisation."), "email"
        )
    raise AccountError(NOT_INVITABLE, "email")


def _lock_organisation(organisation_id: int) -> None:
    """Changes to one organisation's users and invitations take turns (PostgreSQL; on
    SQLite a writing request holds the database's write lock already), so that two
    administrators acting at once cannot, say, disable each other."""
    db.session.execute(
        select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    )


def _pending(*conditions):
    """The invitations matching ``conditions`` that can still be accepted: neither accepted
    nor withdrawn (a withdrawn invitation expires at the moment it is withdrawn) nor
    expired."""
    return select(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow(), *conditions
    )


def _is_pending(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and as_utc(invitation.expires_at) > utcnow()


def _withdraw_pending_invitations(*conditions) -> int:
    """End the invitations matching ``conditions`` that could still be accepted; their
    links then answer as an expired one does. Returns how many."""
    now = utcnow()
    pending = db.session.scalars(_pending(*conditions)).all()
    for invitation in pending:
        invitation.expires_at = now
    return len(pending)


def register_organisation(profile: dict, name: str, email: str, password: str) -> User:
    email = normalise_email(email)
    _check_email_free(email, EMAIL_TAKEN_AT_SIGN_UP)
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


class AccountDisabled(Exception):
    """The password is right, but the account is disabled: said to whoever knows the
    password only, so that they ask their administrator instead of trying again."""


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid:
        return None
    if not user.active:
        raise AccountDisabled()
    # last_login_at is set when the sign-in completes (after the code step, if any).
    return user


def invite_user(organisation: Organisation, inviter: User, email: str, role: Role) -> str:
    """Create an invitation, mail its link to the address, and return its token, which is
    shown once and stored hashed.

    The mail is written to the outbox in the same transaction: a refused invitation
    writes nothing and mails nothing."""
    email = normalise_email(email)
    _lock_organisation(organisation.id)
    _check_invitable(organisation, email)
    # Only the newest invitation to an address works: an earlier link may have gone astray.
    _withdraw_pending_invitations(
        Invitation.organisation_id == organisation.id, Invitation.email == email
    )
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITATION_DAYS"]
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=Role(role),
        token_hash=secret_hash(token),
        invited_by=inviter,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invitation)
    activity.record(
        AccountAction.USER_INVITED, actor=inviter, organisation_id=organisation.id, detail=email
    )
    db.session.flush()
    outbox.notify_invitee(invitation, public_url("accounts.accept_invitation", token=token))
    db.session.flush()
    return token


def pending_invitations(organisation_id: int) -> list[Invitation]:
    """The organisation's invitations that can still be accepted, newest first, each with
    the person who sent it: one statement, however many there are."""
    return db.session.scalars(
        _pending(Invitation.organisation_id == organisation_id)
        .options(joinedload(Invitation.invited_by))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).all()


def pending_invitation(organisation_id: int, invitation_id: int) -> Invitation | None:
    """One of ``pending_invitations``; None for any other (another organisation's, one
    accepted, withdrawn or expired, an id that does not exist), all alike."""
    return db.session.scalar(
        _pending(Invitation.organisation_id == organisation_id, Invitation.id == invitation_id)
    )


def _check_invitation_admin(invitation: Invitation, by: User) -> None:
    if by.role != Role.PROVIDER_ADMIN or invitation.organisation_id != by.organisation_id:
        # The views answer 404 before this: reaching it is a programming error.
        raise PermissionError("only an administrator of the invitation's organisation")


def _lock_pending(invitation: Invitation) -> None:
    """Take the organisation's turn, then check that the invitation is still pending: a
    colleague may have withdrawn it or sent it again, or the invitee accepted it, since
    the page was shown."""
    _lock_organisation(invitation.organisation_id)
    db.session.refresh(invitation)
    if not _is_pending(invitation):
        raise InvitationGone()


def withdraw_invitation(invitation: Invitation, *, by: User) -> None:
    """End a pending invitation of ``by``'s organisation, ``by`` being its administrator:
    its link is not found from now on. Raises InvitationGone if it is no longer pending."""
    _check_invitation_admin(invitation, by)
    _lock_pending(invitation)
    invitation.expires_at = utcnow()
    activity.record(
        AccountAction.INVITATION_WITHDRAWN,
        actor=by,
        organisation_id=invitation.organisation_id,
        detail=invitation.email,
    )
    db.session.flush()


def resend_invitation(invitation: Invitation, *, by: User) -> str:
    """Invite the address of a pending invitation again, with the same role: a new link is
    mailed and the old one stops working (invite_user ends it). Returns the new token.
    Raises InvitationGone if it is no longer pending, and AccountError if the address can
    no longer be invited (it has an account now)."""
    _check_invitation_admin(invitation, by)
    _lock_pending(invitation)
    return invite_user(invitation.organisation, by, invitation.email, invitation.role)


def open_invitation(token: str) -> Invitation | None:
    """The invitation for this token while it can still be accepted."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == secret_hash(token))
    )
    if invitation is None or not _is_pending(invitation):
        return None
    return invitation


def accept_invitation(invitation: Invitation, name: str, password: str) -> User:
    """Make the invitee's account. Raises InvitationGone if the invitation was withdrawn,
    sent again or accepted while the form was being filled in."""
    _lock_pending(invitation)
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


# --- a provider administrator manages the organisation's users --------------------------


def _check_colleague(user: User, by: User) -> None:
    if by.role != Role.PROVIDER_ADMIN or user.organisation_id != by.organisation_id:
        # The views answer 404 before this: reaching it is a programming error.
        raise PermissionError("only an administrator of the user's organisation")


def _check_not_last_administrator(user: User) -> None:
    """Refuse to leave the organisation without an active administrator."""
    if user.role != Role.PROVIDER_ADMIN or not user.active:
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.organisation_id == user.organisation_id,
            User.role == Role.PROVIDER_ADMIN,
            User.active.is_(True),
            User.id != user.id,
        )
    )
    if not others:
        raise AccountError(
            _l(
                "%(name)s is the only active administrator of your organisation. Make "
                "another user an administrator first.",
                name=user.name,
            )
        )


def set_colleague_active(user: User, active: bool, *, by: User) -> int:
    """Disable or enable a user of ``by``'s organisation, ``by`` being its administrator.

    Disabling ends every session of the user at once (a new nonce; enabling again does
    not bring the old sessions back) and withdraws the invitations the user sent that
    were not yet accepted, since a compromised account may have sent them. Returns how
    many invitations were withdrawn. Nobody disables their own account, and the last
    active administrator stays."""
    _check_colleague(user, by)
    if user.id == by.id:
        raise AccountError(
            _l(
                "You cannot disable your own account. Ask another administrator of your "
                "organisation."
            )
        )
    _lock_organisation(user.organisation_id)
    db.session.refresh(user)
    if user.active == active:
        return 0
    withdrawn = 0
    if not active:
        _check_not_last_administrator(user)
        withdrawn = _withdraw_pending_invitations(Invitation.invited_by_id == user.id)
    set_active(user, active, by=by)
    return withdrawn


def set_colleague_role(user: User, role: Role, *, by: User) -> None:
    """Make a user of ``by``'s organisation a provider user or a provider administrator.

    The role is read afresh on every request, so the change applies at the user's next
    page. Nobody changes their own role, and the last active administrator stays one."""
    _check_colleague(user, by)
    role = Role(role)
    if not role.is_provider:
        raise ValueError(f"{role} is not a provider role")
    if user.id == by.id:
        raise AccountError(
            _l("You cannot change your own role. Ask another administrator of your organisation.")
        )
    _lock_organisation(user.organisation_id)
    db.session.refresh(user)
    if user.role == role:
        return
    if role != Role.PROVIDER_ADMIN:
        _check_not_last_administrator(user)
    user.role = role
    action = (
        AccountAction.MADE_ADMINISTRATOR
        if role == Role.PROVIDER_ADMIN
        else AccountAction.MADE_PROVIDER_USER
    )
    activity.record(action, actor=by, subject=user)
    db.session.flush()
