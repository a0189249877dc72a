"""Tests for app.domain.calendar against the real 2026/2027 Japanese calendar.

Every holiday asserted below was checked against ``holidays`` 0.109 and the Cabinet
Office list of national holidays; nothing about the holidays package is mocked.
"""

import time as time_module
from datetime import UTC, date, datetime, time, timedelta, timezone

import holidays
import pytest

from app.domain.calendar import (
    JST,
    add_business_days,
    business_day_on_or_after,
    business_days_between,
    business_days_left,
    earliest_start_date,
    is_business_day,
    next_business_day,
    receipt_date,
    review_deadline,
    to_jst,
    utcnow,
)


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


# --- time zone helpers -------------------------------------------------------------


def test_to_jst_aware_utc():
    got = to_jst(datetime(2026, 11, 26, 23, 30, tzinfo=UTC))
    assert got == datetime(2026, 11, 27, 8, 30, tzinfo=JST)
    assert (got.year, got.month, got.day, got.hour, got.minute) == (2026, 11, 27, 8, 30)
    assert got.utcoffset() == timedelta(hours=9)


def test_to_jst_naive_is_treated_as_utc():
    got = to_jst(datetime(2026, 11, 26, 23, 30))
    assert got.tzinfo is not None
    assert got.replace(tzinfo=None) == datetime(2026, 11, 27, 8, 30)


def test_to_jst_other_offset():
    got = to_jst(datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))))
    assert got.replace(tzinfo=None) == datetime(2026, 1, 1, 14, 0)


def test_utcnow_is_aware_utc():
    now = utcnow()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


# --- facts about the holidays package this module relies on ----------------------


def test_package_lists_expected_2026_2027_holidays():
    jp = holidays.country_holidays("JP", years=[2026, 2027])
    for d in [
        date(2026, 4, 29),  # Showa Day
        date(2026, 5, 3),  # Constitution Day (Sunday)
        date(2026, 5, 4),
        date(2026, 5, 5),
        date(2026, 5, 6),  # 振替休日 for 5/3
        date(2026, 9, 22),  # 国民の休日 between 9/21 and 9/23
        date(2026, 11, 23),
        date(2027, 1, 11),  # Coming of Age Day, second Monday of January
        date(2027, 3, 21),  # Vernal Equinox Day (Sunday)
        date(2027, 3, 22),  # 振替休日 for 3/21
    ]:
        assert d in jp, d
    # The package does not model the 12/29-1/3 government closure, only 1/1.
    assert date(2026, 12, 29) not in jp
    assert date(2027, 1, 2) not in jp


# --- is_business_day --------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 4, 28), True),  # Tue before Showa Day
        (date(2026, 4, 29), False),  # Showa Day (Wed)
        (date(2026, 4, 30), True),
        (date(2026, 5, 1), True),  # Fri
        (date(2026, 5, 2), False),  # Sat
        (date(2026, 5, 3), False),  # Constitution Day (Sun)
        (date(2026, 5, 4), False),  # Greenery Day
        (date(2026, 5, 5), False),  # Children's Day
        (date(2026, 5, 6), False),  # substitute holiday
        (date(2026, 5, 7), True),  # Thu
        (date(2026, 9, 21), False),  # Respect for the Aged Day
        (date(2026, 9, 22), False),  # citizens' holiday
        (date(2026, 9, 23), False),  # Autumnal Equinox Day
        (date(2026, 9, 24), True),
        (date(2026, 11, 23), False),  # Labour Thanksgiving Day (Mon)
        (date(2026, 11, 24), True),
        (date(2026, 11, 27), True),  # Fri
        (date(2026, 11, 28), False),  # Sat
        (date(2026, 11, 29), False),  # Sun
        (date(2026, 12, 28), True),  # Mon, last working day of 2026
        (date(2026, 12, 29), False),
        (date(2026, 12, 30), False),
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), False),
        (date(2027, 1, 2), False),
        (date(2027, 1, 3), False),
        (date(2027, 1, 4), True),  # Mon, first working day of 2027
        (date(2027, 1, 11), False),  # Coming of Age Day
        (date(2027, 1, 12), True),
        (date(2027, 3, 19), True),  # Fri
        (date(2027, 3, 21), False),  # Vernal Equinox Day (Sun)
        (date(2027, 3, 22), False),  # substitute holiday (Mon)
        (date(2027, 3, 23), True),
    ],
)
def test_is_business_day(d, expected):
    assert is_business_day(d) is expected


def test_year_end_closure_every_year():
    for year in range(2020, 2031):
        for d in _days(date(year, 12, 29), date(year + 1, 1, 3)):
            assert not is_business_day(d), d


def test_business_day_counts_per_year():
    # 2026: 261 weekdays - 17 weekday holidays - 4 closure days (1/2, 12/29-31).
    assert business_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 240
    # 2027: 261 weekdays - 16 weekday holidays - 3 closure days (12/29-31).
    assert business_days_between(date(2026, 12, 31), date(2027, 12, 31)) == 242


def test_is_business_day_is_fast():
    days = [date(2026, 1, 1) + timedelta(days=i % 730) for i in range(100_000)]
    is_business_day(days[0])  # warm the per-year cache
    t0 = time_module.perf_counter()
    for d in days:
        is_business_day(d)
    assert time_module.perf_counter() - t0 < 0.5


# --- next / on-or-after -----------------------------------------------------------


def test_next_business_day():
    assert next_business_day(date(2026, 11, 27)) == date(2026, 11, 30)
    assert next_business_day(date(2026, 4, 28)) == date(2026, 4, 30)
    assert next_business_day(date(2026, 12, 28)) == date(2027, 1, 4)
    assert next_business_day(date(2027, 1, 8)) == date(2027, 1, 12)
    # strictly after, even when d is a business day
    assert next_business_day(date(2026, 11, 24)) == date(2026, 11, 25)


def test_business_day_on_or_after():
    assert business_day_on_or_after(date(2026, 11, 24)) == date(2026, 11, 24)
    assert business_day_on_or_after(date(2026, 11, 28)) == date(2026, 11, 30)
    assert business_day_on_or_after(date(2026, 5, 2)) == date(2026, 5, 7)
    assert business_day_on_or_after(date(2026, 12, 29)) == date(2027, 1, 4)


# --- add_business_days ------------------------------------------------------------


def test_add_business_days_golden_week():
    assert add_business_days(date(2026, 5, 1), 1) == date(2026, 5, 7)
    assert add_business_days(date(2026, 4, 28), 1) == date(2026, 4, 30)
    assert add_business_days(date(2026, 4, 28), 3) == date(2026, 5, 7)


def test_add_business_days_weekend_and_substitute():
    assert add_business_days(date(2026, 11, 27), 1) == date(2026, 11, 30)
    assert add_business_days(date(2026, 11, 20), 1) == date(2026, 11, 24)
    assert add_business_days(date(2027, 3, 19), 1) == date(2027, 3, 23)


def test_add_business_days_year_end():
    assert add_business_days(date(2026, 12, 25), 1) == date(2026, 12, 28)
    assert add_business_days(date(2026, 12, 28), 1) == date(2027, 1, 4)
    assert add_business_days(date(2026, 12, 28), 5) == date(2027, 1, 8)
    assert add_business_days(date(2026, 12, 28), 6) == date(2027, 1, 12)


def test_add_business_days_from_non_business_day():
    # Counting starts after start, whatever start is.
    assert add_business_days(date(2026, 11, 28), 1) == date(2026, 11, 30)
    assert add_business_days(date(2026, 12, 30), 1) == date(2027, 1, 4)


def test_add_zero_business_days():
    assert add_business_days(date(2026, 11, 27), 0) == date(2026, 11, 27)
    assert add_business_days(date(2026, 11, 28), 0) == date(2026, 11, 30)
    assert add_business_days(date(2026, 12, 29), 0) == date(2027, 1, 4)


def test_add_negative_business_days_rejected():
    with pytest.raises(ValueError):
        add_business_days(date(2026, 11, 27), -1)


# --- business_days_between --------------------------------------------------------


def test_business_days_between():
    assert business_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1
    assert business_days_between(date(2026, 11, 27), date(2026, 11, 27)) == 0
    assert business_days_between(date(2026, 11, 30), date(2026, 11, 27)) == 0
    assert business_days_between(date(2026, 5, 1), date(2026, 5, 6)) == 0
    assert business_days_between(date(2026, 5, 1), date(2026, 5, 7)) == 1
    assert business_days_between(date(2026, 12, 28), date(2027, 1, 4)) == 1
    assert business_days_between(date(2026, 12, 25), date(2027, 1, 12)) == 7


def test_add_and_between_consistent_2026_2027():
    for s in _days(date(2026, 1, 1), date(2027, 12, 31)):
        for n in (0, 1, 2, 5, 20, 40):
            end = add_business_days(s, n)
            assert is_business_day(end), (s, n)
            assert end > s or (n == 0 and end == s), (s, n)
            if is_business_day(s):
                assert business_days_between(s, end) == n, (s, n)
            else:
                # From a non-business day, n == 0 already moves to the next one.
                assert business_days_between(s, end) == max(n, 1), (s, n)
            if n >= 1:
                # end is the first date reaching n: the day before has n - 1.
                assert business_days_between(s, end - timedelta(days=1)) == n - 1, (s, n)


# --- receipt_date -----------------------------------------------------------------


def _jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


def test_receipt_before_cutoff_same_day():
    assert receipt_date(_jst(2026, 11, 27, 16, 59)) == date(2026, 11, 27)
    assert receipt_date(_jst(2026, 11, 27, 0, 0)) == date(2026, 11, 27)


def test_receipt_at_or_after_cutoff_next_business_day():
    assert receipt_date(_jst(2026, 11, 27, 17, 0)) == date(2026, 11, 30)
    assert receipt_date(_jst(2026, 11, 26, 17, 0)) == date(2026, 11, 27)
    assert receipt_date(_jst(2026, 12, 28, 18, 0)) == date(2027, 1, 4)


def test_receipt_custom_cutoff():
    assert receipt_date(_jst(2026, 11, 27, 17, 30), cutoff=time(18, 0)) == date(2026, 11, 27)
    assert receipt_date(_jst(2026, 11, 27, 12, 0), cutoff=time(12, 0)) == date(2026, 11, 30)


def test_receipt_on_non_business_day():
    assert receipt_date(_jst(2026, 11, 28, 10, 0)) == date(2026, 11, 30)  # Saturday
    assert receipt_date(_jst(2026, 11, 23, 9, 0)) == date(2026, 11, 24)  # holiday
    assert receipt_date(_jst(2026, 5, 2, 9, 0)) == date(2026, 5, 7)  # Golden Week
    assert receipt_date(_jst(2026, 12, 30, 9, 0)) == date(2027, 1, 4)  # closure


def test_receipt_uses_jst_date_not_utc_date():
    # 2026-11-26T23:30Z is Friday 2026-11-27 08:30 JST.
    assert receipt_date(datetime(2026, 11, 26, 23, 30, tzinfo=UTC)) == date(2026, 11, 27)
    # Naive values from SQLite are UTC too.
    assert receipt_date(datetime(2026, 11, 26, 23, 30)) == date(2026, 11, 27)
    # 07:59Z is 16:59 JST (before cutoff); 08:00Z is 17:00 JST (after).
    assert receipt_date(datetime(2026, 11, 27, 7, 59, tzinfo=UTC)) == date(2026, 11, 27)
    assert receipt_date(datetime(2026, 11, 27, 8, 0, tzinfo=UTC)) == date(2026, 11, 30)
    # 2026-11-27T15:00Z is already Saturday in Japan.
    assert receipt_date(datetime(2026, 11, 27, 15, 0, tzinfo=UTC)) == date(2026, 11, 30)


# --- earliest_start_date / review_deadline / business_days_left -------------------


def test_earliest_start_date():
    # 40 business days after Thu 2026-11-26: 22 in 2026 (through 12/28), then
    # 1/4-1/8 (5), skip 1/11, 1/12-15 (4), 1/18-22 (5), 1/25-28 (4).
    assert earliest_start_date(date(2026, 11, 26)) == date(2027, 1, 28)
    assert earliest_start_date(date(2026, 11, 26), 1) == date(2026, 11, 27)
    assert earliest_start_date(date(2026, 11, 26), 0) == date(2026, 11, 26)


def test_review_deadline_default():
    # 11/3 and 11/23 are holidays: 11/4-6, 9-13, 16-20, 24-27, 30, 12/1-2.
    assert review_deadline(date(2026, 11, 2)) == date(2026, 12, 2)
    assert review_deadline(date(2026, 12, 10)) == date(2027, 1, 14)


def test_review_deadline_with_pause_across_year_end():
    receipt = date(2026, 12, 10)
    # 20 days: 12/11, 12/14-18, 12/21-25, 12/28, 1/4-8, 1/12-14 (1/11 is a holiday).
    assert review_deadline(receipt, 20) == date(2027, 1, 14)
    # Paused 5 business days: 1/15, 1/18-21.
    assert review_deadline(receipt, 20, paused_business_days=5) == date(2027, 1, 21)
    assert business_days_between(receipt, review_deadline(receipt, 20, 5)) == 25


def test_business_days_left():
    deadline = date(2027, 1, 14)
    assert business_days_left(deadline, date(2026, 12, 28)) == 8  # 1/4-8, 1/12-14
    assert business_days_left(deadline, date(2027, 1, 13)) == 1
    assert business_days_left(deadline, date(2027, 1, 14)) == 0
    assert business_days_left(deadline, date(2027, 1, 15)) == -1
    assert business_days_left(deadline, date(2027, 1, 18)) == -2
    assert business_days_left(date(2026, 12, 28), date(2027, 1, 4)) == -1
    # A deadline that is reached over a weekend only is still 0 business days away.
    assert business_days_left(date(2026, 11, 29), date(2026, 11, 28)) == 0
