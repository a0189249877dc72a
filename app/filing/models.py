"""A notice, its repeating groups, its filed versions and the receipt counter."""

from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..accounts.models import Organisation, User, enum_column
from ..domain.text import search_key
from ..domain.workflow import OPEN_PREDICATE, Status
from ..extensions import db
from ..models import UTCDateTime, utcnow


class NoticeType(StrEnum):
    NEW = "new"
    CHANGE = "change"
    DISCONTINUATION = "discontinuation"


class DeliveryModel(StrEnum):
    SAAS = "saas"
    ON_PREMISES = "on_premises"
    MANAGED = "managed"
    HYBRID = "hybrid"


class SystemCategory(StrEnum):
    HOT_WALLET = "hot_wallet"
    COLD_STORAGE = "cold_storage"
    KEY_MANAGEMENT = "key_management"
    SIGNING_WORKFLOW = "signing_workflow"
    NODE_OPERATION = "node_operation"
    SCREENING = "screening"
    OTHER = "other"


class SigningScheme(StrEnum):
    HSM = "hsm"
    MPC = "mpc"
    MULTISIG = "multisig"
    OTHER = "other"


class FiscCompliance(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class CertificationKind(StrEnum):
    ISO27001 = "iso27001"
    SOC2_TYPE2 = "soc2_type2"
    OTHER = "other"


class AttachmentCategory(StrEnum):
    ARCHITECTURE = "architecture"
    SECURITY_ASSESSMENT = "security_assessment"
    CERTIFICATION = "certification"
    CONTRACT_TEMPLATE = "contract_template"
    OTHER = "other"


# Limits shared by columns and form validators.
SHORT = 200
NAME = 100
VERSION = 50
LONG_TEXT = 4000
MEDIUM_TEXT = 1000


class Notice(db.Model):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    status: Mapped[Status] = mapped_column(
        enum_column(Status, "notice_status"), default=Status.DRAFT
    )
    # Optimistic lock: every state change is UPDATE ... WHERE version = :seen.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)

    # Section 1 as filed: the provider's identity copied from its profile on submission
    # (snapshot.provider_as_filed), so the register lists what was filed, not today's
    # profile. Empty or None on a draft.
    provider_name_ja: Mapped[str] = mapped_column(
        String(Organisation.NAME_MAX), default="", server_default=text("''")
    )
    provider_name_en: Mapped[str] = mapped_column(
        String(Organisation.NAME_MAX), default="", server_default=text("''")
    )
    # Both names as searches compare them (app.domain.text.search_key).
    provider_name_key: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    provider_corporate_number: Mapped[str | None] = mapped_column(String(13))
    provider_lei: Mapped[str | None] = mapped_column(String(20))

    # Section 2: the notice
    notice_type: Mapped[NoticeType] = mapped_column(
        enum_column(NoticeType, "notice_type"), default=NoticeType.NEW
    )
    # Indexed: the register asks of each accepted notice whether a later one discontinued it.
    refers_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id", ondelete="RESTRICT"), index=True
    )
    planned_date = mapped_column(Date, nullable=True)

    # Section 3: the system
    system_name: Mapped[str] = mapped_column(String(SHORT), default="")
    # The name as searches compare it (app.domain.text.search_key), kept by system_name_set.
    system_name_key: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    system_version: Mapped[str] = mapped_column(String(VERSION), default="")
    categories: Mapped[list] = mapped_column(JSON, default=list)
    category_other: Mapped[str] = mapped_column(String(SHORT), default="")
    delivery_model: Mapped[str] = mapped_column(String(32), default="")
    hosting_provider: Mapped[str] = mapped_column(String(SHORT), default="")
    data_countries: Mapped[list] = mapped_column(JSON, default=list)
    key_countries: Mapped[list] = mapped_column(JSON, default=list)
    supported_assets: Mapped[str] = mapped_column(String(MEDIUM_TEXT), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    # Section 5: security and risk management
    hot_wallet_percent: Mapped[int | None] = mapped_column()
    signing_scheme: Mapped[str] = mapped_column(String(32), default="")
    signing_threshold_m: Mapped[int | None] = mapped_column()
    signing_threshold_n: Mapped[int | None] = mapped_column()
    hsm_certification: Mapped[str] = mapped_column(String(SHORT), default="")
    access_controls: Mapped[str] = mapped_column(Text, default="")
    fisc_compliance: Mapped[str] = mapped_column(String(32), default="")
    pentest_date = mapped_column(Date, nullable=True)
    pentest_tester: Mapped[str] = mapped_column(String(SHORT), default="")
    incident_contact: Mapped[str] = mapped_column(String(SHORT), default="")
    incident_client_hours: Mapped[int | None] = mapped_column()
    incident_fsa_hours: Mapped[int | None] = mapped_column()
    personnel_security: Mapped[str] = mapped_column(Text, default="")
    rto_minutes: Mapped[int | None] = mapped_column()
    rpo_minutes: Mapped[int | None] = mapped_column()

    # Section 7: declaration
    declarant_name: Mapped[str] = mapped_column(String(NAME), default="")
    declarant_title: Mapped[str] = mapped_column(String(NAME), default="")
    declaration_confirmed: Mapped[bool] = mapped_column(default=False)

    # Filing
    receipt_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    submitted_at = mapped_column(UTCDateTime(), nullable=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    receipt_date = mapped_column(Date, nullable=True)
    review_deadline = mapped_column(Date, nullable=True, index=True)
    paused_business_days: Mapped[int] = mapped_column(default=0)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at = mapped_column(UTCDateTime(), nullable=True)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    refers_to: Mapped["Notice | None"] = relationship(remote_side=[id])
    clients: Mapped[list["NoticeClient"]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeClient.id"
    )
    subcontractors: Mapped[list["Subcontractor"]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="Subcontractor.id"
    )
    certifications: Mapped[list["Certification"]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="Certification.id"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    refiling: Mapped["Refiling | None"] = relationship(
        foreign_keys="Refiling.notice_id", cascade="all, delete-orphan", passive_deletes=True
    )
    versions: Mapped[list["NoticeVersion"]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeVersion.number"
    )

    __table_args__ = (
        CheckConstraint(
            "(status = 'draft') = (receipt_number IS NULL)", name="receipt_number_when_filed"
        ),
        CheckConstraint(
            "(status = 'draft') = (submitted_at IS NULL)", name="submitted_at_when_filed"
        ),
        CheckConstraint(
            "hot_wallet_percent IS NULL OR (hot_wallet_percent BETWEEN 0 AND 100)",
            name="hot_wallet_percent_range",
        ),
        Index("ix_notices_organisation_status", "organisation_id", "status"),
        # The provider's dashboard: its own notices, most recently changed first.
        Index("ix_notices_organisation_updated", "organisation_id", "updated_at", "id"),
        Index("ix_notices_status_deadline", "status", "review_deadline", "id"),
        Index("ix_notices_submitted_at", "submitted_at", "id"),
        Index("ix_notices_handler_status", "handler_id", "status"),
        Index("ix_notices_status_decided", "status", "decided_at", "id"),
        # The open notices only, in deadline order: the queue's default page reads the
        # first rows of this instead of skipping every decided notice.
        Index(
            "ix_notices_open_deadline",
            "review_deadline",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            sqlite_where=text(OPEN_PREDICATE),
        ),
    )

    @property
    def latest_version(self) -> "NoticeVersion | None":
        return self.versions[-1] if self.versions else None

    @validates("system_name")
    def system_name_set(self, field: str, value: str) -> str:
        self.system_name_key = search_key(value)
        return value


class NoticeClient(db.Model):
    """An exchange that uses or will use the system."""

    __tablename__ = "notice_clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    # Set when chosen from the reference register; empty for a free-form name.
    registration_number: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(SHORT))
    name_en: Mapped[str] = mapped_column(String(SHORT), default="")
    notice: Mapped[Notice] = relationship(back_populates="clients")


class Subcontractor(db.Model):
    __tablename__ = "subcontractors"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(SHORT))
    country: Mapped[str] = mapped_column(String(2))
    function: Mapped[str] = mapped_column(String(SHORT))
    notice: Mapped[Notice] = relationship(back_populates="subcontractors")


class Certification(db.Model):
    __tablename__ = "certifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CertificationKind] = mapped_column(enum_column(CertificationKind, "cert_kind"))
    reference: Mapped[str] = mapped_column(String(NAME))
    issuer: Mapped[str] = mapped_column(String(SHORT), default="")
    valid_from = mapped_column(Date, nullable=True)
    valid_until = mapped_column(Date, nullable=True)
    notice: Mapped[Notice] = relationship(back_populates="certifications")


class Attachment(db.Model):
    __tablename__ = "attachments"
    NAME_MAX = 255
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    category: Mapped[AttachmentCategory] = mapped_column(
        enum_column(AttachmentCategory, "attachment_category")
    )
    display_name: Mapped[str] = mapped_column(String(NAME_MAX))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # Set for documents sent in answer to an information request.
    information_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("information_requests.id", ondelete="CASCADE"), index=True
    )
    notice: Mapped[Notice] = relationship(back_populates="attachments")

    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)


class Refiling(db.Model):
    """A notice started from a returned or withdrawn one ("File it again"), so that the
    examiner sees what the earlier review said and what differs from it. A table of its
    own: a column on ``notices`` would need SQLite to rebuild that table (and its
    triggers) to add the reference."""

    __tablename__ = "refilings"
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    earlier_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="RESTRICT"), index=True
    )
    earlier: Mapped[Notice] = relationship(foreign_keys=[earlier_id])


class NoticeVersion(db.Model):
    """An immutable snapshot of what was filed: at submission, and after each response."""

    __tablename__ = "notice_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    snapshot: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    notice: Mapped[Notice] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("notice_id", "number", name="uq_notice_versions_number"),)


class ReceiptCounter(db.Model):
    """One row a year; bumped in the submitting transaction, so numbers never skip or repeat."""

    __tablename__ = "receipt_counters"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
