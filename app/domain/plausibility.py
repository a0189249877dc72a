"""Answers that are well-formed but cannot be true: checked as the provider saves a section
(the forms) and again on submission (completeness), with the same words both times."""

from datetime import date

from flask_babel import lazy_gettext as _l

# A planned date further ahead than this is a slip of the keyboard, not a plan.
PLANNED_YEARS_AHEAD = 5
THRESHOLD_EXCEEDS = _l("The signatures required cannot exceed the number of key holders.")
PENTEST_IN_FUTURE = _l("The last penetration test cannot be later than today.")


def planned_too_far(planned: date | None, today: date) -> bool:
    return planned is not None and planned > _years_after(today, PLANNED_YEARS_AHEAD)


def planned_too_far_message():
    return _l("Enter a date within %(years)d years from today.", years=PLANNED_YEARS_AHEAD)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def threshold_exceeds(m: int | None, n: int | None) -> bool:
    return m is not None and n is not None and m > n


def pentest_in_future(tested: date | None, today: date) -> bool:
    return tested is not None and tested > today
