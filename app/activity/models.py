"""Account activity: who did what to which account, when and from where.

Append-only like a notice's history (a PostgreSQL trigger refuses UPDATE and DELETE);
not hash-chained, because sign-ins of every user would then queue behind one chain.
"""

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..extensions import db
from ..models import UTCDateTime, utcnow


class AccountAction(StrEnum):
    SIGNED_IN = "signed_in"
    WRONG_SIGN_IN_CODE = "wrong_sign_in_code"
    SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an action's name, not a password
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    TWO_FACTOR_RESET = "two_factor_reset"
    RECOVERY_CODES_REPLACED = "recovery_codes_replaced"
    ORGANISATION_REGISTERED = "organisation_registered"
    ORGANISATION_UPDATED = "organisation_updated"
    TWO_FACTOR_REQUIRED = "two_factor_required"
    TWO_FACTOR_OPTIONAL = "two_factor_optional"
    USER_INVITED = "user_invited"
    INVITATION_ACCEPTED = "invitation_accepted"
    INVITATION_WITHDRAWN = "invitation_withdrawn"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an action's name
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an action's name, not a password
    STAFF_ACCOUNT_CREATED = "staff_account_created"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    MADE_ADMINISTRATOR = "made_administrator"
    MADE_PROVIDER_USER = "made_provider_user"


class AccountEvent(db.Model):
    __tablename__ = "account_events"
    DETAIL_MAX = 254

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    action: Mapped[str] = mapped_column(String(40))
    # None: done from the command line (flask users …, flask demo …), not by a person.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The account acted on; None for an organisation's own settings and for invitations.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The provider the event belongs to (its administrators see it); None for staff.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # For an invitation, the address it was sent to: there is no account yet.
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX), default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])
    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        Index("ix_account_events_actor_id_id", "actor_id", "id"),
        Index("ix_account_events_subject_id_id", "subject_id", "id"),
        Index("ix_account_events_organisation_id_id", "organisation_id", "id"),
    )
