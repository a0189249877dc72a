"""Figures for the supervisor's overview."""

from datetime import date, timedelta
from statistics import median

from sqlalchemy import func, select

from ..accounts.models import User
from ..domain import calendar
from ..domain.workflow import CLOCK_RUNNING, Status
from ..extensions import db
from ..filing.models import Notice
from .queue import OPEN, status_counts, status_in


def collect(today: date) -> dict:
    overdue = db.session.scalars(
        select(Notice)
        .where(status_in(CLOCK_RUNNING), Notice.review_deadline < today)
        .order_by(Notice.review_deadline, Notice.id)
        .limit(100)
    ).all()
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
        "median_days": median(durations) if durations else None,
        "decided_count": len(durations),
        "load": load,
        "today": today,
    }
