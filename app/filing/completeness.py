"""What a notice still needs before it can be submitted, section by section."""

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from ..accounts.models import Organisation, OrganisationKind
from ..accounts.operations import country_problem
from ..domain.plausibility import (
    PENTEST_IN_FUTURE,
    THRESHOLD_EXCEEDS,
    pentest_in_future,
    planned_too_far,
    planned_too_far_message,
    threshold_exceeds,
)
from . import forms
from .models import Notice, NoticeType
from .sections import BY_KEY, SECTIONS, SECURITY_FIELDS

MISSING = _l("This is required before you submit.")


@dataclass(frozen=True)
class Problem:
    section: str
    field: str
    label: object
    message: object


def _label(section: str, field: str):
    form = forms.SECTION_FORMS.get(section)
    unbound = getattr(form, field, None) if form else None
    if unbound is not None:
        return unbound.args[0] if unbound.args else unbound.kwargs.get("label")
    return PROVIDER_LABELS.get(field) or GROUP_LABELS.get(field) or field


PROVIDER_LABELS = {
    "name_ja": _l("Legal name (Japanese)"),
    "name_en": _l("Legal name (English)"),
    "corporate_number": _l("Corporate number"),
    "lei": _l("LEI (Legal Entity Identifier)"),
    "country": _l("Country of incorporation"),
    "postal_code": _l("Postal code"),
    "address": _l("Head-office address"),
    "representative_name": _l("Representative's name"),
    "representative_title": _l("Representative's title"),
    "contact_name": _l("Contact person"),
    "contact_department": _l("Contact department"),
    "contact_email": _l("Contact e-mail address"),
    "contact_phone": _l("Contact telephone"),
}

GROUP_LABELS = {
    "clients": _l("Clients"),
    "attachments": _l("Attachments"),
}


class _Checker:
    def __init__(self):
        self.found: list[Problem] = []

    def add(self, section, field, message=MISSING):
        self.found.append(Problem(section, field, _label(section, field), message))

    def require(self, section, obj, *names):
        for name in names:
            value = getattr(obj, name)
            if value is None or value == "" or value == [] or value is False:
                self.add(section, name)


def find_problems(
    notice: Notice,
    organisation: Organisation,
    *,
    today: date,
    earliest_start: date,
    advance_business_days: int,
    accepted_ids: frozenset[int] = frozenset(),
) -> list[Problem]:
    """Every missing or invalid answer, in section order. Empty means ready to submit.

    ``earliest_start`` is the earliest planned date for a submission now
    (``FilingRules.earliest_start``: counted from the receipt date, which after the end of
    a business day is the next one); ``advance_business_days`` is named in its message."""
    check = _Checker()
    _provider(check, organisation)
    _notice(check, notice, today, earliest_start, advance_business_days, accepted_ids)
    discontinuation = notice.notice_type == NoticeType.DISCONTINUATION
    _system(check, notice, discontinuation)
    if not discontinuation:
        if not notice.clients:
            check.add("clients", "clients", _l("Add at least one client exchange."))
        _security(check, notice, today)
        if not notice.attachments:
            check.add("attachments", "attachments", _l("Attach at least one PDF document."))
    check.require("declaration", notice, "declarant_name", "declarant_title")
    if not notice.declaration_confirmed:
        check.add(
            "declaration",
            "declaration_confirmed",
            _l("The officer must attest that the notice is true and complete."),
        )
    return check.found


def _provider(check, organisation):
    check.require(
        "provider",
        organisation,
        "name_ja",
        "name_en",
        "postal_code",
        "address",
        "representative_name",
        "representative_title",
        "contact_name",
        "contact_department",
        "contact_email",
        "contact_phone",
    )
    if organisation.kind == OrganisationKind.DOMESTIC:
        check.require("provider", organisation, "corporate_number")
    else:
        check.require("provider", organisation, "lei")
    # A profile saved before the rule held (a foreign company in Japan) is not filed as is.
    problem = country_problem(organisation.kind, organisation.country)
    if problem is not None:
        check.add("provider", "country", problem)


def _notice(check, notice, today, earliest_start, advance_business_days, accepted_ids):
    if notice.notice_type in (NoticeType.CHANGE, NoticeType.DISCONTINUATION):
        if notice.refers_to_id is None:
            check.add("notice", "refers_to_id")
        elif notice.refers_to_id not in accepted_ids:
            check.add(
                "notice",
                "refers_to_id",
                _l("Choose one of your organisation's accepted notices."),
            )
    elif notice.refers_to_id is not None:
        check.add(
            "notice",
            "refers_to_id",
            _l("A new service does not refer to an earlier notice: choose “None”."),
        )
    if notice.planned_date is None:
        check.add("notice", "planned_date")
    elif planned_too_far(notice.planned_date, today):
        check.add("notice", "planned_date", planned_too_far_message())
    elif notice.planned_date < earliest_start:
        check.add(
            "notice",
            "planned_date",
            _l(
                "The planned date must be on or after %(date)s "
                "(%(days)d business days after the day of receipt).",
                date=format_date(earliest_start, "long"),
                days=advance_business_days,
            ),
        )


def _system(check, notice, discontinuation):
    check.require("system", notice, "system_name", "system_version")
    if discontinuation:
        return
    check.require(
        "system",
        notice,
        "categories",
        "delivery_model",
        "hosting_provider",
        "data_countries",
        "key_countries",
        "supported_assets",
        "description",
    )
    if "other" in (notice.categories or []) and not notice.category_other:
        check.add("system", "category_other")


# Every security answer is required, except the HSM level (required for HSM signing only).
REQUIRED_SECURITY = tuple(name for name in SECURITY_FIELDS if name != "hsm_certification")


def _security(check, notice, today):
    check.require("security", notice, *REQUIRED_SECURITY)
    if threshold_exceeds(notice.signing_threshold_m, notice.signing_threshold_n):
        check.add("security", "signing_threshold_m", THRESHOLD_EXCEEDS)
    if pentest_in_future(notice.pentest_date, today):
        check.add("security", "pentest_date", PENTEST_IN_FUTURE)
    if notice.signing_scheme == "hsm" and not notice.hsm_certification:
        check.add("security", "hsm_certification")


NOT_STARTED, IN_PROGRESS, COMPLETE = "not_started", "in_progress", "complete"


def progress(notice: Notice, problems: list[Problem]) -> dict[str, str]:
    """Each section's state for the progress list."""
    with_problems = {p.section for p in problems}
    states = {}
    for section in SECTIONS:
        if section.key not in with_problems:
            states[section.key] = COMPLETE
        elif _started(notice, section.key):
            states[section.key] = IN_PROGRESS
        else:
            states[section.key] = NOT_STARTED
    return states


def _started(notice: Notice, key: str) -> bool:
    if key in ("provider", "notice"):
        # The profile is there from registration, and the type of notice was chosen
        # when the draft was made.
        return True
    if key == "clients":
        return bool(notice.clients)
    if key == "attachments":
        return bool(notice.attachments)
    if key == "security" and (notice.certifications or notice.subcontractors):
        return True
    if key == "declaration" and notice.declaration_confirmed:
        return True
    return any(getattr(notice, name) not in (None, "", []) for name in BY_KEY[key].fields)
