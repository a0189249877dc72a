"""Which reminders are due today, and sending each once (through the mail outbox).

* ``reply_due``: an information request still unanswered whose reply-by date is at most
  ``REMINDER_BUSINESS_DAYS`` business days away, to the provider (its users and contact).
* ``reply_overdue``: the same once its reply-by date has passed, to the notice's handler,
  or to the supervisors while it has none: the provider is silent, and staff decide what
  follows.
* ``deadline_near``: a notice whose review clock runs and whose deadline is at most that
  many business days away, to its handler, or to the supervisors while it has none.
* ``deadline_passed``: the same once the deadline has passed, to the handler and the
  supervisors.

A reminder is recorded (``Reminder``) in the transaction that writes its messages, with an
``INSERT ... ON CONFLICT DO NOTHING`` on (kind, notice, date): whoever inserts the row
writes the mail; a second run, or a second worker at the same moment, finds the row and
writes nothing. An overdue reply stays overdue day after day: its query leaves out the
requests already reminded of, so the daily run does not claim them again.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite

from ..database import write_intent
from ..domain import calendar
from ..domain.workflow import CLOCK_RUNNING, Status
from ..extensions import db
from ..filing.models import Notice
from ..mail import outbox
from ..review.models import InformationRequest
from ..review.queue import status_in
from .models import Reminder

KINDS = ("reply_due", "reply_overdue", "deadline_near", "deadline_passed")


@dataclass(frozen=True)
class Due:
    kind: str
    notice: Notice
    due_on: date
    request: InformationRequest | None = None


def due_today(today: date, within: int) -> list[Due]:
    """Every reminder whose time has come on ``today`` (sent or not, but for overdue
    replies already reminded of)."""
    horizon = calendar.add_business_days(today, within)
    found = [
        Due("reply_due", request.notice, request.reply_by, request)
        for request in _unanswered_requests(
            InformationRequest.reply_by >= today, InformationRequest.reply_by <= horizon
        )
    ]
    found += [
        Due("reply_overdue", request.notice, request.reply_by, request)
        for request in _unanswered_requests(
            InformationRequest.reply_by < today, ~_reminded("reply_overdue")
        )
    ]
    for notice in db.session.scalars(
        select(Notice)
        .where(status_in(CLOCK_RUNNING), Notice.review_deadline <= horizon)
        .order_by(Notice.review_deadline, Notice.id)
    ):
        kind = "deadline_passed" if notice.review_deadline < today else "deadline_near"
        found.append(Due(kind, notice, notice.review_deadline))
    return found


def _unanswered_requests(*where) -> list[InformationRequest]:
    """Information requests the provider has not answered, of notices still waiting for the
    answer: the notices are found by status (its index), their requests by notice."""
    return db.session.scalars(
        select(InformationRequest)
        .join(InformationRequest.notice)
        .where(
            Notice.status == Status.INFORMATION_REQUESTED,
            InformationRequest.responded_at.is_(None),
            *where,
        )
        .order_by(InformationRequest.id)
    ).all()


def _reminded(kind: str):
    """A reminder of ``kind`` was recorded for the request's reply-by date (a lookup in
    the unique index on kind, notice and date)."""
    return exists().where(
        Reminder.kind == kind,
        Reminder.notice_id == InformationRequest.notice_id,
        Reminder.due_on == InformationRequest.reply_by,
    )


def _claim(due: Due) -> bool:
    """Record the reminder; False when it was already recorded (sent before)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = db.session.execute(
        insert(Reminder)
        .values(kind=due.kind, notice_id=due.notice.id, due_on=due.due_on)
        .on_conflict_do_nothing(index_elements=["kind", "notice_id", "due_on"])
        .returning(Reminder.id)
    ).first()
    return inserted is not None


def _write(due: Due, today: date) -> int:
    notice = due.notice
    context = {
        "due_on": due.due_on,
        "days_left": calendar.business_days_left(due.due_on, today),
        "request": due.request,
    }
    if due.kind == "reply_due":
        recipients = outbox.provider_recipients(notice)
    else:
        recipients = outbox.staff_recipients(notice, supervisors_too=due.kind == "deadline_passed")
    for email, language in recipients.items():
        outbox.queue(email, language, due.kind, notice, **context)
    return len(recipients)


def send_due(today: date, within: int) -> dict[str, int]:
    """Send each reminder due on ``today`` that was not sent before; commits each one with
    its messages. Returns how many reminders of each kind were sent, and the messages."""
    sent = dict.fromkeys(KINDS, 0) | {"messages": 0}
    # On SQLite each transaction here may write: BEGIN IMMEDIATE (app/database.py), so that
    # a second worker waits for the lock instead of failing on a stale read.
    token = write_intent.set(True)
    try:
        for due in due_today(today, within):
            if _claim(due):
                sent["messages"] += _write(due, today)
                sent[due.kind] += 1
            db.session.commit()
        db.session.commit()  # ends the reading transaction (and its lock) when none was due
    finally:
        write_intent.reset(token)
    return sent
