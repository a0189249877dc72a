"""Information requests and the two-person decision on a notice."""

from datetime import date
from enum import StrEnum

from flask_babel import LazyString, format_date, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, case, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, enum_column
from ..domain import calendar
from ..domain.workflow import Status
from ..extensions import db
from ..filing.models import Notice
from ..models import UTCDateTime, utcnow


class Outcome(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"


def _too_soon(earliest: date, min_business_days: int) -> str:
    return ngettext(
        "The reply-by date must be %(date)s or later: at least %(num)d business day from today.",
        "The reply-by date must be %(date)s or later: at least %(num)d business days from today.",
        min_business_days,
        date=format_date(earliest, "long"),
    )


class InformationRequest(db.Model):
    __tablename__ = "information_requests"
    TEXT_MAX = 4000

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # The business day from which the clock stands still.
    paused_from = mapped_column(Date, nullable=False)
    reply_by = mapped_column(Date, nullable=False)
    comment: Mapped[str] = mapped_column(Text)
    responded_at = mapped_column(UTCDateTime(), nullable=True)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    response: Mapped[str | None] = mapped_column(Text)
    paused_business_days: Mapped[int | None] = mapped_column()

    notice: Mapped[Notice] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])

    @staticmethod
    def earliest_reply_by(today: date, min_business_days: int) -> date:
        """The first day a reply may be due: ``min_business_days`` business days after
        ``today`` in Japan (at least one), itself a business day. The form offers it as the
        date input's minimum and states it; the form and the operation refuse earlier days."""
        return calendar.add_business_days(today, max(1, min_business_days))

    @classmethod
    def reply_by_problem(cls, reply_by: date, today: date, min_business_days: int):
        """Why ``reply_by`` cannot be the reply-by date of a request made ``today``, or None.

        The reason is translated when shown (a request may be made outside any request
        context, by a command or a test)."""
        earliest = cls.earliest_reply_by(today, min_business_days)
        if reply_by < earliest:
            return LazyString(_too_soon, earliest, max(1, min_business_days))
        if not calendar.is_business_day(reply_by):
            return _l(
                "The reply-by date must be a business day: not a Saturday, Sunday or "
                "national holiday, nor between 29 December and 3 January."
            )
        return None

    __table_args__ = (
        CheckConstraint("(responded_at IS NULL) = (response IS NULL)", name="response_with_time"),
        Index("ix_information_requests_notice", "notice_id", "id"),
    )


# The reply-by date of the request a notice awaits the answer to, read with a list's page: one
# lookup on (notice_id, id) per row awaiting an answer, none for the others.
OPEN_REQUEST_REPLY_BY = case(
    (
        Notice.status == Status.INFORMATION_REQUESTED,
        select(InformationRequest.reply_by)
        .where(InformationRequest.notice_id == Notice.id, InformationRequest.response.is_(None))
        .order_by(InformationRequest.id.desc())
        .limit(1)
        .scalar_subquery(),
    )
)


class Decision(db.Model):
    """A proposal by one staff member, confirmed or sent back by a different supervisor."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    reasons: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    proposed_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    checked_at = mapped_column(UTCDateTime(), nullable=True)
    # confirmed / sent_back once checked
    verdict: Mapped[str | None] = mapped_column(String(16))
    check_comment: Mapped[str] = mapped_column(Text, default="")

    notice: Mapped[Notice] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    checked_by: Mapped[User | None] = relationship(foreign_keys=[checked_by_id])

    __table_args__ = (
        CheckConstraint(
            "checked_by_id IS NULL OR checked_by_id <> proposed_by_id", name="maker_checker"
        ),
        CheckConstraint(
            "(verdict IS NULL) = (checked_at IS NULL) "
            "AND (verdict IS NULL) = (checked_by_id IS NULL)",
            name="checked_together",
        ),
        Index("ix_decisions_notice", "notice_id", "id"),
    )


class NoticeStatusCount(db.Model):
    """How many notices are in each filed status, so the queue's tabs never count the table.

    Kept by database triggers on ``notices`` (migration b7c1d2e3f4a5): every insert,
    delete and status change moves one count in the same transaction, on SQLite and
    PostgreSQL alike, so bulk loads and every code path are covered. Drafts have no
    row, so creating and editing drafts never waits on these rows. A transaction that
    changes a status holds its counter rows until it commits; the filing and decision
    transactions are already serialised per year by the receipt counter.
    """

    __tablename__ = "notice_status_counts"
    __table_args__ = (CheckConstraint("count >= 0", name="count_not_negative"),)

    status: Mapped[Status] = mapped_column(enum_column(Status, "notice_status"), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
