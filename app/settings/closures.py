"""The weekdays on which the FSA is closed, as the review clock counts them.

The clock (app/domain/calendar.py) is the judge of which days count: a weekday listed here
is exactly a weekday that ``is_business_day`` refuses. The names come from the same
``holidays`` package, in the page's language; Saturdays and Sundays are never listed.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from importlib.metadata import version

import holidays
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..domain import calendar

HOLIDAYS_VERSION = version("holidays")

# The page's language -> the language of the holidays package's names.
HOLIDAY_LANGUAGES = {"ja": "ja", "en": "en_US"}

YEAR_END = _l("Year-end and New Year holidays")


@dataclass(frozen=True)
class ClosedDay:
    day: date
    name: str
    name_ja: str  # the official name, shown beside an English one


def closed_weekdays(years) -> list[ClosedDay]:
    language = HOLIDAY_LANGUAGES.get(str(get_locale()), "en_US")
    names = holidays.country_holidays("JP", years=years, language=language)
    official = holidays.country_holidays("JP", years=years, language="ja")
    days = []
    for year in years:
        day = date(year, 1, 1)
        while day.year == year:
            if day.weekday() < 5 and not calendar.is_business_day(day):
                days.append(
                    ClosedDay(day, names.get(day) or str(YEAR_END), official.get(day) or "")
                )
            day += timedelta(days=1)
    return days
