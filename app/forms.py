"""Fields and helpers shared by every feature's forms."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import DateField as _DateField
from wtforms import IntegerField as _IntegerField
from wtforms import SelectMultipleField, widgets
from wtforms.fields import SelectChoice
from wtforms.validators import Length, NumberRange

from .domain.text import normalise_width


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CountriesField(MultiCheckboxField):
    """Countries as check boxes in a scrolling list: the form macro adds what is chosen
    above it and, with JavaScript (static/js/choice-filter.js), a box that narrows it."""


def limit(maximum: int, minimum: int = -1) -> Length:
    """A length check whose message names the limit in the user's language."""
    if minimum > 0:
        return Length(
            min=minimum,
            max=maximum,
            message=_l("Enter between %(min)d and %(max)d characters."),
        )
    return Length(max=maximum, message=_l("Enter at most %(max)d characters."))


_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
NO_SUCH_DATE = _l("There is no such date: check the month and the day.")


class DateField(_DateField):
    """A date field whose parse error is in our catalogs."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            if valuelist and _DATE_SHAPE.fullmatch(normalise_width(valuelist[0]).strip()):
                # Written as asked, but the calendar has no such day (30 February).
                raise ValueError(NO_SUCH_DATE) from error
            raise ValueError(_l("Enter a date as YYYY-MM-DD.")) from error


class IntegerField(_IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a whole number.")) from error


class _NumberRange(NumberRange):
    """Leaves a value that did not parse to the parse error alone: one message, not two."""

    def __call__(self, form, field):
        if field.data is None:
            return
        super().__call__(form, field)


def number_range(minimum: int, maximum: int) -> NumberRange:
    return _NumberRange(
        min=minimum, max=maximum, message=_l("Enter a number from %(min)d to %(max)d.")
    )


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects that WTForms 3.3 expects."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def country_options() -> list[SelectChoice]:
    """ISO 3166 countries named in the user's language (Babel's CLDR names), Japan first."""
    from flask_babel import get_locale

    from .domain.country_order import sort_key
    from .domain.identifiers import country_choices

    locale = get_locale()
    names = locale.territories if locale else {}
    language = locale.language if locale else "en"
    pairs = [(code, names.get(code, name)) for code, name in country_choices()]
    pairs.sort(key=lambda pair: (pair[0] != "JP", sort_key(*pair, language)))
    return options(pairs)


def search_text(raw: str | None, length: int = 100) -> str:
    """A search term from a query string: control characters dropped (SQLite's LIKE would stop
    at a NUL and match everything; PostgreSQL refuses one), trimmed, at most ``length``."""
    text = "".join(char for char in (raw or "") if char.isprintable() or char == " ")
    return text.strip()[:length]
