"""The Settings page. Thin: what is shown and how lives in catalogue and closures."""

from flask import current_app, render_template

from ..accounts.access import administrator_required
from ..domain import calendar
from . import catalogue, closures


@administrator_required
def index():
    this_year = calendar.jst_today().year
    years = (this_year, this_year + 1)
    return render_template(
        "settings/index.html",
        groups=catalogue.groups_in_force(current_app.config),
        years=years,
        closed_days=closures.closed_weekdays(years),
        holidays_version=closures.HOLIDAYS_VERSION,
    )
