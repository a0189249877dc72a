"""WTForms validators for the identifiers in :mod:`app.domain.identifiers`.

The identifier validators (:class:`CorporateNumber`, :class:`LEI`,
:class:`PostalCodeJP`, :class:`Phone`, :class:`CountryCode`) leave an empty
value alone -- whether a field must be filled in is decided separately when a
notice is submitted -- and on success replace ``field.data`` with the
normalised value, so the form and the database see one canonical spelling.

:class:`RequiredIf` makes a field required only while another field of the
same form has a given value.

Messages are English msgids marked with ``lazy_gettext`` so that they are
translated when rendered, in the request's locale.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation, ValidationError

from app.domain.identifiers import (
    InvalidIdentifier,
    normalise_corporate_number,
    normalise_country_code,
    normalise_lei,
    normalise_phone,
    normalise_postal_code_jp,
)

__all__ = [
    "LEI",
    "CorporateNumber",
    "CountryCode",
    "Phone",
    "PostalCodeJP",
    "RequiredIf",
    "is_empty",
]


def is_empty(data: Any) -> bool:
    """Whether a field's data counts as "not filled in".

    ``None``, blank or whitespace-only strings, empty collections and
    ``False`` (an unticked checkbox) are empty; ``0`` is not.
    """
    if data is None or data is False:
        return True
    if isinstance(data, str):
        return not data.strip()
    if isinstance(data, Collection):
        return len(data) == 0
    return False


class _IdentifierValidator:
    """Normalise ``field.data`` with ``normalise`` or raise ``ValidationError``."""

    default_message: Any = None

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def normalise(self, value: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, form: Any, field: Any) -> None:
        if is_empty(field.data):
            return
        try:
            field.data = self.normalise(field.data)
        except InvalidIdentifier as exc:
            raise ValidationError(self.message or self.default_message) from exc


class CorporateNumber(_IdentifierValidator):
    """A 13-digit Japanese corporate number (法人番号); stored as 13 digits."""

    default_message = _l("Enter a valid 13-digit corporate number with a correct check digit.")

    def normalise(self, value: str) -> str:
        return normalise_corporate_number(value)


class LEI(_IdentifierValidator):
    """An ISO 17442 Legal Entity Identifier; stored as 20 upper-case characters."""

    default_message = _l(
        "Enter a valid 20-character Legal Entity Identifier (LEI) with correct check digits."
    )

    def normalise(self, value: str) -> str:
        return normalise_lei(value)


class PostalCodeJP(_IdentifierValidator):
    """A Japanese postal code; stored as ``NNN-NNNN``."""

    default_message = _l("Enter a valid Japanese postal code of 7 digits, such as 100-8967.")

    def normalise(self, value: str) -> str:
        return normalise_postal_code_jp(value)


class Phone(_IdentifierValidator):
    """A valid telephone number; stored in E.164 form (``+81312345678``).

    Numbers without a leading ``+`` are read as national numbers of
    ``region`` (Japan by default).
    """

    default_message = _l(
        "Enter a valid telephone number. For numbers outside Japan, "
        "start with + and the country code."
    )

    def __init__(self, region: str = "JP", message: str | None = None) -> None:
        super().__init__(message)
        self.region = region

    def normalise(self, value: str) -> str:
        return normalise_phone(value, self.region)


class CountryCode(_IdentifierValidator):
    """An ISO 3166-1 alpha-2 country code; stored upper-case (``JP``)."""

    default_message = _l("Select a valid country.")

    def normalise(self, value: str) -> str:
        return normalise_country_code(value)


class RequiredIf:
    """Require the field while another field of the form meets a condition.

    ``condition`` decides, from the other field's data, whether this field is
    required:

    * a callable is called with the other field's data and its truthiness
      is used;
    * a set, frozenset, list or tuple is a collection of values, any of
      which makes the field required;
    * anything else is compared with ``==``.

    When the condition holds and this field is empty (see :func:`is_empty`),
    the field's earlier errors are cleared and ``StopValidation`` is raised
    with the message, so no later validator of the chain runs.  Otherwise
    nothing happens and the chain continues.

    A misspelt ``other_field_name`` is a programming error and raises
    ``LookupError`` rather than being silently ignored.
    """

    def __init__(
        self,
        other_field_name: str,
        condition: Any | Callable[[Any], Any],
        message: str | None = None,
    ) -> None:
        self.other_field_name = other_field_name
        self.condition = condition
        self.message = message

    def condition_holds(self, form: Any) -> bool:
        try:
            other = form[self.other_field_name]
        except KeyError:
            raise LookupError(
                f"RequiredIf: the form has no field named {self.other_field_name!r}"
            ) from None
        condition = self.condition
        if callable(condition):
            return bool(condition(other.data))
        if isinstance(condition, set | frozenset | list | tuple):
            return other.data in condition
        return bool(other.data == condition)

    def __call__(self, form: Any, field: Any) -> None:
        if not self.condition_holds(form) or not is_empty(field.data):
            return
        field.errors[:] = []
        raise StopValidation(self.message or _l("This field is required."))
