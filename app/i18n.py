"""Language choice: the choice made in this browser session, then the user's saved choice,
then the browser.

The session's choice comes first so that a language picked on the sign-in page survives
signing in (the sign-in keeps it in the fresh session); picking one while signed in also
saves it as the user's choice (core.views.set_language), which later sessions start from.

Also the template filters that put text in the page's language: file sizes, ISO dates,
lists ("Japan and Singapore" / 「日本、シンガポール」), Japanese names on English pages, a
label joined to its message."""

import re
from datetime import date

from babel.lists import format_list
from flask import current_app, has_request_context, request, session
from flask_babel import format_decimal, get_locale, ngettext
from flask_login import current_user
from markupsafe import Markup, escape


def select_locale():
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if session.get("lang") in languages:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


FILE_SIZE_UNITS = ("KB", "MB", "GB")


def file_size(size: int) -> str:
    """A file's size in the page's language, in the decimal units in which the upload limits
    are stated: "953 bytes" / 「953バイト」, "1.2 KB", "20.5 MB" (Jinja's own filesizeformat
    says "Bytes" and "kB" in every language)."""
    if size < 1000:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    value = float(size)
    for unit in FILE_SIZE_UNITS:
        value /= 1000
        if value < 1000 or unit == FILE_SIZE_UNITS[-1]:
            break
    return f"{format_decimal(value, '#,##0.#')} {unit}"


def listed(items) -> str:
    """Items joined as the page's language lists them; the same as JavaScript's
    ``Intl.ListFormat`` (static/js/choice-filter.js), which redraws such lists."""
    return format_list([str(item) for item in items], locale=_page_language())


def from_iso(value):
    """A date kept as ISO text (a notice's snapshot is JSON) as a date, for ``dateformat``."""
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


SENTENCE_ENDS = (".", "。", "?", "？", ":", "：")


def labelled(label, text) -> str:
    """``label: text``, but no colon after a label that ends a sentence already (a checkbox
    label such as "I attest that this notice is true and complete.")."""
    label = str(label)
    if label.endswith(SENTENCE_ENDS):
        return f"{label} {text}"
    return f"{label}: {text}"


# Hiragana, katakana (full and half width), CJK ideographs and the CJK punctuation block.
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _page_language() -> str:
    return str(get_locale() or "ja")


def marked(text) -> Markup:
    """``text`` for the page, marked ``lang="ja"`` when it is Japanese on an English page (a
    person's or a company's name), so that a screen reader does not read it as English."""
    text = "" if text is None else str(text)
    if _page_language() != "ja" and JAPANESE.search(text):
        return Markup('<span lang="ja">{}</span>').format(text)
    return escape(text)


def organisation_name(organisation) -> Markup:
    """The organisation's legal name in the page's language when it has one (the English name
    on English pages), else the other one, marked with its language."""
    if _page_language() == "en" and organisation.name_en:
        return marked(organisation.name_en)
    return marked(organisation.name_ja or organisation.name_en)


def init_app(app):
    # Replaces Jinja's filter of the same name, so that every template says sizes alike.
    app.jinja_env.filters["filesizeformat"] = file_size
    app.jinja_env.filters["from_iso"] = from_iso
    app.jinja_env.filters["listed"] = listed
    app.jinja_env.filters["labelled"] = labelled
    app.jinja_env.filters["marked"] = marked
    app.jinja_env.globals["organisation_name"] = organisation_name

    @app.context_processor
    def _language():
        return {"current_language": _page_language()}
