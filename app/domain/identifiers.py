"""Normalisation and validation of identifiers used in advance notices.

Plain Python with no Flask dependency, so it can be used from forms, CLI
commands, imports and tests alike.  Every ``normalise_*`` function returns the
canonical form of a valid value or raises :class:`InvalidIdentifier`, a
``ValueError`` subclass whose ``code`` attribute says which kind of identifier
was rejected (``'corporate_number'``, ``'lei'``, ``'postal_code'``, ``'phone'``,
``'country'``) and whose ``reason`` attribute gives a coarse cause
(``'type'``, ``'format'``, ``'length'``, ``'checksum'``, ``'invalid'``,
``'unknown'``).

Input is always passed through Unicode NFKC normalisation first, so full-width
digits and letters (``１２３``, ``ＡＢＣ``), the ideographic space and the
full-width hyphen are accepted.  Other dash-like characters commonly typed in
Japanese input (``ー``, ``−``, ``‐``, ``–``, ``—``, ``―``) are treated as
hyphens.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
import pycountry
from stdnum import lei as stdnum_lei
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.jp import cn as stdnum_cn

__all__ = [
    "InvalidIdentifier",
    "country_choices",
    "country_name",
    "is_country_code",
    "normalise_corporate_number",
    "normalise_country_code",
    "normalise_lei",
    "normalise_phone",
    "normalise_postal_code_jp",
    "normalise_text",
]


class InvalidIdentifier(ValueError):
    """A value is not a valid identifier of the kind named by ``code``."""

    def __init__(self, code: str, reason: str = "invalid", value: object = None) -> None:
        self.code = code
        self.reason = reason
        self.value = value
        super().__init__(f"invalid {code} ({reason}): {value!r}")


# Dash-like characters that NFKC leaves alone but that users type as hyphens:
# katakana prolonged sound mark, minus sign, hyphen, non-breaking hyphen,
# figure dash, en dash, em dash, horizontal bar, small/full-width hyphen-minus.
_DASHES = dict.fromkeys(map(ord, "ー−‐‑‒–—―﹣－ｰ"), "-")
_WHITESPACE_RE = re.compile(r"\s+")

_CORPORATE_NUMBER_RE = re.compile(r"[0-9]{13}")
_LEI_RE = re.compile(r"[0-9A-Z]{18}[0-9]{2}")
_POSTAL_CODE_RE = re.compile(r"([0-9]{3})-?([0-9]{4})")


def normalise_text(value: object, code: str) -> str:
    """NFKC-normalise ``value``, map dash variants to ``-`` and trim it.

    Raises :class:`InvalidIdentifier` with the given ``code`` when ``value``
    is not a string.
    """
    if not isinstance(value, str):
        raise InvalidIdentifier(code, "type", value)
    return unicodedata.normalize("NFKC", value).translate(_DASHES).strip()


def _strip_separators(text: str) -> str:
    return _WHITESPACE_RE.sub("", text).replace("-", "")


def normalise_corporate_number(value: str) -> str:
    """Return the 13-digit Japanese corporate number (法人番号) in ``value``.

    Spaces and hyphens anywhere in the input are ignored; the check digit
    (the first digit) is verified with :mod:`stdnum.jp.cn`.  The result is
    13 ASCII digits, e.g. ``'5835678256246'``.
    """
    code = "corporate_number"
    number = _strip_separators(normalise_text(value, code))
    if not number:
        raise InvalidIdentifier(code, "length", value)
    if not number.isascii() or not number.isdigit():
        raise InvalidIdentifier(code, "format", value)
    if not _CORPORATE_NUMBER_RE.fullmatch(number):
        raise InvalidIdentifier(code, "length", value)
    try:
        return stdnum_cn.validate(number)
    except StdnumValidationError as exc:
        raise InvalidIdentifier(code, "checksum", value) from exc


def normalise_lei(value: str) -> str:
    """Return the ISO 17442 Legal Entity Identifier in ``value``.

    Whitespace is removed and letters upper-cased.  The result must be 18
    alphanumerics followed by two check digits satisfying ISO 7064 mod 97-10
    (checked with :mod:`stdnum.lei`).  The length and shape are checked here
    because ``stdnum.lei.validate`` checks only the checksum.
    """
    code = "lei"
    lei = _WHITESPACE_RE.sub("", normalise_text(value, code)).upper()
    if len(lei) != 20:
        raise InvalidIdentifier(code, "length", value)
    if not _LEI_RE.fullmatch(lei):
        raise InvalidIdentifier(code, "format", value)
    try:
        return stdnum_lei.validate(lei)
    except StdnumValidationError as exc:
        raise InvalidIdentifier(code, "checksum", value) from exc


def normalise_postal_code_jp(value: str) -> str:
    """Return a Japanese postal code as ``'NNN-NNNN'``.

    Accepts ``'1000013'``, ``'100-0013'``, full-width forms, a leading postal
    mark (``〒``) and surrounding or inner spaces.  A hyphen, if present, must
    sit between the third and fourth digits.
    """
    code = "postal_code"
    text = _WHITESPACE_RE.sub("", normalise_text(value, code)).removeprefix("〒")
    match = _POSTAL_CODE_RE.fullmatch(text)
    if match is None:
        raise InvalidIdentifier(code, "format", value)
    return f"{match[1]}-{match[2]}"


def normalise_phone(value: str, region: str = "JP") -> str:
    """Return a valid telephone number in E.164 form, e.g. ``'+81312345678'``.

    E.164 is chosen as the stored form because it is unambiguous and compact;
    use :func:`phonenumbers.format_number` with ``NATIONAL`` or
    ``INTERNATIONAL`` for display.  Numbers without a ``+`` prefix are read
    as national numbers of ``region`` (Japan by default).  The number must be
    valid according to the ``phonenumbers`` metadata, not merely plausible.
    """
    code = "phone"
    text = normalise_text(value, code)
    if not text:
        raise InvalidIdentifier(code, "length", value)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentifier(code, "format", value) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier(code, "invalid", value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _country(code: object):
    if not isinstance(code, str):
        return None
    text = unicodedata.normalize("NFKC", code).strip().upper()
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        return None
    return pycountry.countries.get(alpha_2=text)


def _english_name(country) -> str:
    # ``common_name`` where ISO's name is unwieldy (e.g. "Taiwan" rather than
    # "Taiwan, Province of China", "Bolivia" rather than
    # "Bolivia, Plurinational State of"); otherwise the ISO short name.
    return getattr(country, "common_name", None) or country.name


def is_country_code(code: object) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code (case-insensitive)."""
    return _country(code) is not None


def normalise_country_code(code: str) -> str:
    """Return the upper-case ISO 3166-1 alpha-2 code in ``code``."""
    country = _country(code)
    if country is None:
        raise InvalidIdentifier("country", "unknown", code)
    return country.alpha_2


def country_name(code: str) -> str:
    """Return the English name of the country with alpha-2 ``code``.

    Raises :class:`InvalidIdentifier` (``code='country'``) for unknown codes.
    """
    country = _country(code)
    if country is None:
        raise InvalidIdentifier("country", "unknown", code)
    return _english_name(country)


def _sort_key(name: str) -> str:
    # Sort "Åland Islands" with the As and "Côte d'Ivoire" with the Cs.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1)
def _country_choices() -> tuple[tuple[str, str], ...]:
    pairs = ((c.alpha_2, _english_name(c)) for c in pycountry.countries)
    return tuple(sorted(pairs, key=lambda pair: (_sort_key(pair[1]), pair[0])))


def country_choices() -> list[tuple[str, str]]:
    """``(alpha_2, English name)`` for every ISO 3166-1 country, by name.

    Suitable as ``choices`` of a WTForms ``SelectField``.  A new list is
    returned on each call, so callers may prepend a placeholder.
    """
    return list(_country_choices())
