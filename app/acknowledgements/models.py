"""Issued acknowledgements: the PDF bytes are kept once and never regenerated."""

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..accounts.models import enum_column
from ..extensions import db
from ..filing.models import Notice
from ..models import UTCDateTime, utcnow


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    DECISION = "decision"
    INFORMATION_REQUEST = "information_request"


class Acknowledgement(db.Model):
    __tablename__ = "acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="RESTRICT"))
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "document_kind"))
    receipt_number: Mapped[str] = mapped_column(String(20))
    verification_code: Mapped[str] = mapped_column(String(32))
    notice_version: Mapped[int] = mapped_column()
    issued_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    notice: Mapped[Notice] = relationship()

    __table_args__ = (
        UniqueConstraint("receipt_number", "verification_code", name="uq_ack_number_code"),
        Index("ix_acknowledgements_notice", "notice_id", "id"),
    )
