"""Fields and helpers shared by every feature's forms."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets
from wtforms.validators import Length


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def limit(maximum: int, minimum: int = -1) -> Length:
    """A length check whose message names the limit in the user's language."""
    if minimum > 0:
        return Length(
            min=minimum,
            max=maximum,
            message=_l("Enter between %(min)d and %(max)d characters."),
        )
    return Length(max=maximum, message=_l("Enter at most %(max)d characters."))
