"""The append-only history of a notice, chained by hashes."""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..models import UTCDateTime, utcnow


class NoticeEvent(db.Model):
    __tablename__ = "notice_events"
    COMMENT_MAX = 4000

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_role: Mapped[str] = mapped_column(String(32))
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    notice_version: Mapped[int] = mapped_column()
    # Staff-only entries (internal notes) are never shown to a provider.
    internal: Mapped[bool] = mapped_column(default=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("notice_id", "sequence", name="uq_notice_events_sequence"),)
