"""Business-day arithmetic for Japanese administrative bodies (行政機関の休日).

A day is *not* a business day when it is a Saturday, a Sunday, a Japanese national
holiday (including 振替休日 substitute holidays and 国民の休日 citizens' holidays, as
listed by the ``holidays`` package), or falls between 29 December and 3 January
inclusive (行政機関の休日に関する法律 第1条).

Times are stored as aware UTC datetimes and shown in JST. All counting functions work
on plain ``date`` objects; only :func:`receipt_date` looks at the time of day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "JST",
    "add_business_days",
    "business_day_on_or_after",
    "business_days_between",
    "business_days_left",
    "earliest_start_date",
    "is_business_day",
    "next_business_day",
    "receipt_date",
    "review_deadline",
    "to_jst",
    "utcnow",
]

JST: tzinfo = ZoneInfo("Asia/Tokyo")

_ONE_DAY = timedelta(days=1)


def to_jst(dt: datetime) -> datetime:
    """Convert ``dt`` to JST.

    Naive datetimes are treated as UTC, because SQLite hands back the stored UTC
    values without their tzinfo.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(JST)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def jst_today() -> date:
    """Today's date in Japan (through :func:`utcnow`, so tests that move the clock move it)."""
    return to_jst(utcnow()).date()


@lru_cache(maxsize=64)
def _holidays_for_year(year: int) -> frozenset[date]:
    """Japanese national holidays of ``year``.

    Cached as a frozenset because building a ``holidays`` calendar is slow and its
    dict auto-expands to new years on lookup; a frozen per-year set is fast and fixed.
    """
    return frozenset(holidays.country_holidays("JP", years=year))


def _is_year_end_closure(d: date) -> bool:
    """29 December to 3 January inclusive: government offices are closed."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def is_business_day(d: date) -> bool:
    """Return True if ``d`` is a business day of Japanese administrative bodies."""
    if isinstance(d, datetime):  # a datetime is a date subclass; use only its date part
        d = d.date()
    if d.weekday() >= 5:
        return False
    if _is_year_end_closure(d):
        return False
    return d not in _holidays_for_year(d.year)


def next_business_day(d: date) -> date:
    """Return the first business day strictly after ``d``."""
    d += _ONE_DAY
    while not is_business_day(d):
        d += _ONE_DAY
    return d


def business_day_on_or_after(d: date) -> date:
    """Return ``d`` if it is a business day, else the next business day."""
    return d if is_business_day(d) else next_business_day(d)


def add_business_days(start: date, n: int) -> date:
    """Return the date ``n`` business days after ``start`` (``start`` itself not counted).

    ``n == 0`` returns ``business_day_on_or_after(start)`` so that the result is always
    a business day. Example: Friday 2026-11-27 + 1 = Monday 2026-11-30.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return business_day_on_or_after(start)
    d = start
    for _ in range(n):
        d = next_business_day(d)
    return d


@lru_cache(maxsize=4096)
def business_days_between(start: date, end: date) -> int:
    """Count business days ``d`` with ``start < d <= end`` (0 if ``end <= start``).

    The half-open interval makes this the inverse of :func:`add_business_days`:
    ``business_days_between(s, add_business_days(s, n)) == n`` for a business day ``s``.
    """
    count = 0
    d = start + _ONE_DAY
    while d <= end:
        if is_business_day(d):
            count += 1
        d += _ONE_DAY
    return count


def receipt_date(received_at: datetime, cutoff: time = time(17, 0)) -> date:
    """Return the business day from which the review clock counts.

    The filing is converted to JST. If that JST date is a business day and the JST time
    is before ``cutoff``, it is received that day; otherwise (after hours, weekend,
    holiday, year-end closure) it is treated as received on the next business day.
    """
    local = to_jst(received_at)
    day = local.date()
    if is_business_day(day) and local.time() < cutoff:
        return day
    return next_business_day(day)


def earliest_start_date(today: date, advance_business_days: int = 40) -> date:
    """Earliest permitted planned service start: ``advance_business_days`` after ``today``."""
    return add_business_days(today, advance_business_days)


def review_deadline(
    receipt: date, review_business_days: int = 20, paused_business_days: int = 0
) -> date:
    """Last day of the review period.

    Business days during which the clock was paused (e.g. waiting for the filer to
    amend) extend the deadline one-for-one.
    """
    return add_business_days(receipt, review_business_days + paused_business_days)


def business_days_left(deadline: date, today: date) -> int:
    """Business days until ``deadline``: positive ahead, 0 on the day, negative when overdue."""
    if deadline >= today:
        return business_days_between(today, deadline)
    return -business_days_between(deadline, today)
