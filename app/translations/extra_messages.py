"""Messages that come from libraries, listed here only so that extraction puts them in our catalogs.

Nothing imports this module. Flask-WTF and WTForms raise these messages in English; our
forms pass their own messages wherever they can, but a few can still reach a page:

* Flask-WTF's CSRF checks (flask_wtf/csrf.py) raise their reasons as plain strings, in
  English whatever ``WTF_I18N_ENABLED`` says;
* WTForms' built-in messages (choices, CSRF) are translated by Flask-WTF from WTForms'
  *own* catalog (domain ``wtforms``), not from ours, when ``WTF_I18N_ENABLED`` is on
  (the default). Listing them here gives code that shows one of them the Japanese text
  in our catalog, through ``gettext(message)``.

Keep each msgid exactly as the library spells it (the versions pinned in
requirements.txt), or the lookup will miss.
"""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

FLASK_WTF_CSRF = (
    _l("CSRF validation failed."),
    _l("The CSRF token is missing."),
    _l("The CSRF session token is missing."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _l("The CSRF tokens do not match."),
)

WTFORMS = (
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF token expired."),
    _l("CSRF failed."),
    _l("This field is required."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
)
