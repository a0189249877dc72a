"""People and the organisations they file for."""

from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, false, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..domain.text import search_key
from ..extensions import db
from ..models import UTCDateTime, utcnow
from .secrets_at_rest import EncryptedString


class Role(StrEnum):
    PROVIDER_USER = "provider_user"
    PROVIDER_ADMIN = "provider_admin"
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"

    @property
    def is_provider(self) -> bool:
        return self in PROVIDER_ROLES

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES


PROVIDER_ROLES = frozenset({Role.PROVIDER_USER, Role.PROVIDER_ADMIN})
STAFF_ROLES = frozenset({Role.REVIEWER, Role.SUPERVISOR, Role.ADMINISTRATOR})
REVIEW_ROLES = frozenset({Role.REVIEWER, Role.SUPERVISOR})


def enum_column(enum_cls, name):
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        validate_strings=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class OrganisationKind(StrEnum):
    DOMESTIC = "domestic"
    FOREIGN = "foreign"


class Organisation(db.Model):
    __tablename__ = "organisations"
    NAME_MAX = 200
    ADDRESS_MAX = 300
    PERSON_MAX = 100
    EMAIL_MAX = 254
    PHONE_MAX = 30

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, "organisation_kind"), default=OrganisationKind.DOMESTIC
    )
    name_ja: Mapped[str] = mapped_column(String(NAME_MAX), index=True)
    name_en: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    # Both names as searches compare them (app.domain.text.search_key), kept by name_set.
    name_key: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    corporate_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="JP")
    lei: Mapped[str | None] = mapped_column(String(20), unique=True)
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    representative_name: Mapped[str] = mapped_column(String(PERSON_MAX), default="")
    representative_title: Mapped[str] = mapped_column(String(PERSON_MAX), default="")
    contact_name: Mapped[str] = mapped_column(String(PERSON_MAX), default="")
    contact_department: Mapped[str] = mapped_column(String(PERSON_MAX), default="")
    contact_email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="")
    contact_phone: Mapped[str] = mapped_column(String(PHONE_MAX), default="")
    # Set by a provider administrator: every user of the organisation signs in in two steps.
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")

    __table_args__ = (
        CheckConstraint(
            "(kind = 'domestic' AND corporate_number IS NOT NULL) OR "
            "(kind = 'foreign' AND lei IS NOT NULL)",
            name="identifier_for_kind",
        ),
    )

    @property
    def display_name(self) -> str:
        return self.name_ja or self.name_en

    @validates("name_ja", "name_en")
    def name_set(self, field: str, value: str) -> str:
        names = {"name_ja": self.name_ja, "name_en": self.name_en, field: value}
        self.name_key = search_key(names["name_ja"], names["name_en"])
        return value


class User(UserMixin, db.Model):
    __tablename__ = "users"
    EMAIL_MAX = 254
    NAME_MAX = 100
    PASSWORD_MIN = 12
    PASSWORD_MAX = 128
    # Longest password a sign-in or confirmation field accepts: anything longer is refused
    # by the form, before any hashing.
    PASSWORD_INPUT_MAX = 1024

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    locale: Mapped[str] = mapped_column(String(5), default="ja")
    active: Mapped[bool] = mapped_column(default=True)
    # Changing it ends every session: a session stores the nonce it was issued with.
    session_nonce: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_login_at = mapped_column(UTCDateTime(), nullable=True)
    # Second factor (TOTP, app/accounts/two_factor.py): the secret is set when enrolment
    # starts and counts once a first code confirms it; the last time step whose code was
    # accepted is kept, so that no code works twice.
    # Encrypted at rest (secrets_at_rest.py); the attribute holds the plain base32 key.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString(255))
    totp_enabled_at = mapped_column(UTCDateTime(), nullable=True)
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    __table_args__ = (
        CheckConstraint(
            "(role IN ('provider_user', 'provider_admin')) = (organisation_id IS NOT NULL)",
            name="provider_has_organisation",
        ),
        CheckConstraint(
            "totp_enabled_at IS NULL OR totp_secret IS NOT NULL", name="totp_enabled_has_secret"
        ),
    )

    # Set for the request by sessions.start or sessions.resume; never stored.
    session_token = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_provider(self) -> bool:
        return self.role.is_provider

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None


class Invitation(db.Model):
    """A link that lets a provider admin bring a colleague into the organisation."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(User.EMAIL_MAX))
    role: Mapped[Role] = mapped_column(enum_column(Role, "invitation_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at = mapped_column(UTCDateTime(), nullable=False)
    accepted_at = mapped_column(UTCDateTime(), nullable=True)

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("role IN ('provider_user', 'provider_admin')", name="provider_role"),
    )


class RecoveryCode(db.Model):
    """A single-use code for signing in without the authenticator; stored as a hash.

    The codes carry 120 random bits, so a plain SHA-256 is enough (ASVS 6.5.2)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    used_at = mapped_column(UTCDateTime(), nullable=True)
