"""Figures for the supervisor's overview."""

from datetime import date, timedelta
from statistics import median

from sqlalchemy import func, select

from ..accounts.models import User
from ..domain import calendar
from ..domain.workflow import Status
from ..extensions import db
from ..filing.models import Notice
from .queue import OPEN, past_reply_by, past_review_deadline, status_counts, status_in

# The overdue notices the overview lists by name, first by deadline; the count says how many
# there are in all.
OVERDUE_LISTED = 100


def overdue_counts(today: date) -> tuple[int, int]:
    """How many notices are past the review deadline, and how many await a reply past its
    reply-by date: one statement, each count read from indexes as the queue's overdue filter
    reads them (the (status, deadline) index; the notices awaiting a reply, each one's
    requests by (notice_id, id)), so neither grows with the decided notices."""

    def counted(condition):
        return select(func.count()).select_from(Notice).where(condition).scalar_subquery()

    row = db.session.execute(
        select(counted(past_review_deadline(today)), counted(past_reply_by(today)))
    ).one()
    return row[0], row[1]


def collect(today: date) -> dict:
    overdue = db.session.scalars(
        select(Notice)
        .where(past_review_deadline(today))
        .order_by(Notice.review_deadline, Notice.id)
        .limit(OVERDUE_LISTED)
    ).all()
    review_overdue, reply_overdue = overdue_counts(today)
    since = today - timedelta(days=90)
    decided = db.session.execute(
        select(Notice.receipt_date, Notice.decided_at, Notice.paused_business_days).where(
            Notice.status.in_([Status.ACCEPTED, Status.RETURNED]),
            Notice.decided_at >= since,
        )
    ).all()
    durations = [
        calendar.business_days_between(receipt, calendar.to_jst(decided_at).date())
        for receipt, decided_at, _paused in decided
        if receipt is not None and decided_at is not None
    ]
    load = db.session.execute(
        select(User.name, func.count(Notice.id))
        .join(Notice, Notice.handler_id == User.id)
        .where(status_in(OPEN))
        .group_by(User.id, User.name)
        .order_by(func.count(Notice.id).desc())
    ).all()
    return {
        "counts": status_counts(),
        "overdue": overdue,
        "review_overdue": review_overdue,
        "reply_overdue": reply_overdue,
        "median_days": median(durations) if durations else None,
        "decided_count": len(durations),
        "load": load,
        "today": today,
    }
