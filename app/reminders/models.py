"""A reminder sent, so that each is sent once."""

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime, utcnow


class Reminder(db.Model):
    """One per kind, notice and the date it is about: a daily run, run again or by two
    workers at once, never sends the same reminder twice; a date that moves (the clock
    stood still while the provider answered) is a new reminder."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    due_on = mapped_column(Date, nullable=False)
    sent_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (UniqueConstraint("kind", "notice_id", "due_on", name="uq_reminders_once"),)
