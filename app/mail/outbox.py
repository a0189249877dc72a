"""Writing messages to the outbox, in each recipient's language, inside the caller's
transaction: a rolled-back event never sends mail."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import REVIEW_ROLES, Role, User
from ..extensions import db
from .models import OutboxMessage

SUBJECTS = {
    "received": lambda n: _("Notice received: %(number)s", number=n.receipt_number),
    "taken": lambda n: _("Your notice %(number)s is under review", number=n.receipt_number),
    "information_requested": lambda n: _(
        "Information requested for notice %(number)s", number=n.receipt_number
    ),
    "decided": lambda n: _("Decision on notice %(number)s", number=n.receipt_number),
    "new_submission": lambda n: _("New notice submitted: %(number)s", number=n.receipt_number),
    "provider_responded": lambda n: _(
        "The provider responded on notice %(number)s", number=n.receipt_number
    ),
    "reply_due": lambda n: _(
        "Reminder: your response on notice %(number)s is due soon", number=n.receipt_number
    ),
    "reply_overdue": lambda n: _(
        "No response by the reply-by date: notice %(number)s", number=n.receipt_number
    ),
    "deadline_near": lambda n: _(
        "Review deadline approaching: notice %(number)s", number=n.receipt_number
    ),
    "deadline_passed": lambda n: _(
        "Review deadline passed: notice %(number)s", number=n.receipt_number
    ),
}

# Messages about the account itself rather than a notice.
ACCOUNT_SUBJECTS = {
    "password_changed": lambda: _("Your password was changed"),
    "two_factor_enabled": lambda: _("Two-step sign-in was turned on for your account"),
    "two_factor_disabled": lambda: _("Two-step sign-in was turned off for your account"),
    "two_factor_reset": lambda: _("An administrator reset two-step sign-in for your account"),
    "recovery_codes_replaced": lambda: _("New recovery codes were made for your account"),
    "password_reset": lambda: _("Link to set a new password"),
}


def notify_account(user: User, kind: str, **context) -> OutboxMessage:
    """A security notice to the user about their own account, in their language."""
    with force_locale(user.locale):
        subject = str(ACCOUNT_SUBJECTS[kind]())
        body = render_template(f"mail/{kind}.txt", user=user, **context)
    message = OutboxMessage(
        recipient=user.email, language=user.locale, subject=subject, body=body, kind=kind
    )
    db.session.add(message)
    return message


# An invitation goes to someone who has no account yet, so no language of their own (the
# inviting administrator's language need not be theirs): it says everything in Japanese,
# then in English, in one message. The invitation page follows their browser's language.
INVITATION_LANGUAGES = ("ja", "en")
INVITATION_SEPARATOR = "\n\n" + "-" * 40 + "\n\n"


def notify_invitee(invitation, link: str) -> OutboxMessage:
    """The invitation's link, with the organisation, the inviter and the expiry, to the
    invited address."""
    subjects, parts = [], []
    for language in INVITATION_LANGUAGES:
        with force_locale(language):
            subjects.append(_("Invitation to the Advance Notice Registry"))
            parts.append(
                render_template("mail/invitation.txt", invitation=invitation, link=link).strip()
            )
    with force_locale(INVITATION_LANGUAGES[0]):
        footer = render_template("mail/_footer.txt")
    message = OutboxMessage(
        recipient=invitation.email,
        language=",".join(INVITATION_LANGUAGES),  # "ja,en": the Content-Language header
        subject=" / ".join(subjects),
        body=INVITATION_SEPARATOR.join(parts) + "\n" + footer,
        kind="invitation",
    )
    db.session.add(message)
    return message


def queue(recipient: str, language: str, kind: str, notice, **context) -> OutboxMessage:
    with force_locale(language):
        subject = str(SUBJECTS[kind](notice))
        body = render_template(f"mail/{kind}.txt", notice=notice, **context)
    message = OutboxMessage(
        recipient=recipient,
        language=language,
        subject=subject,
        body=body,
        kind=kind,
        notice_id=notice.id,
    )
    db.session.add(message)
    return message


def provider_recipients(notice) -> dict[str, str]:
    """The organisation's contact address and its active users, each with a language."""
    users = db.session.scalars(
        select(User).where(User.organisation_id == notice.organisation_id, User.active.is_(True))
    ).all()
    recipients = {user.email: user.locale for user in users}
    contact = notice.organisation.contact_email
    if contact and contact not in recipients:
        recipients[contact] = "ja"
    return recipients


def notify_provider(notice, kind: str, **context) -> None:
    for email, language in provider_recipients(notice).items():
        queue(email, language, kind, notice, **context)
    db.session.flush()


def staff_recipients(notice, *, supervisors_too: bool = False) -> dict[str, str]:
    """The handler when there is one (and the account is active); otherwise (or
    ``supervisors_too``) every active supervisor. Each with a language."""
    handler = db.session.get(User, notice.handler_id) if notice.handler_id else None
    staff = [handler] if handler and handler.active and handler.role in REVIEW_ROLES else []
    if supervisors_too or not staff:
        supervisors = db.session.scalars(
            select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True))
        ).all()
        staff += [user for user in supervisors if user not in staff]
    return {user.email: user.locale for user in staff}


def notify_staff(notice, kind: str, **context) -> None:
    for email, language in staff_recipients(notice).items():
        queue(email, language, kind, notice, **context)
    db.session.flush()
