"""The sections of a notice, in filing order, and what each needs at submission."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..domain.fingerprint import canonical_json, fingerprint


@dataclass(frozen=True)
class Section:
    key: str
    title: object
    # Fields on the notice row that belong to the section (for "not started").
    fields: tuple[str, ...] = ()


# The notice's own columns per section, shared by the progress list and the snapshot.
SYSTEM_FIELDS = (
    "system_name",
    "system_version",
    "categories",
    "category_other",
    "delivery_model",
    "hosting_provider",
    "data_countries",
    "key_countries",
    "supported_assets",
    "description",
)
SECURITY_FIELDS = (
    "hot_wallet_percent",
    "signing_scheme",
    "signing_threshold_m",
    "signing_threshold_n",
    "hsm_certification",
    "access_controls",
    "fisc_compliance",
    "pentest_date",
    "pentest_tester",
    "incident_contact",
    "incident_client_hours",
    "incident_fsa_hours",
    "personnel_security",
    "rto_minutes",
    "rpo_minutes",
)

SECTIONS = (
    Section("provider", _l("Provider")),
    Section("notice", _l("Notice"), ("planned_date", "refers_to_id")),
    Section("system", _l("System"), SYSTEM_FIELDS),
    Section("clients", _l("Clients")),
    Section("security", _l("Security and risk management"), SECURITY_FIELDS),
    Section("attachments", _l("Attachments")),
    Section("declaration", _l("Declaration"), ("declarant_name", "declarant_title")),
)

BY_KEY = {section.key: section for section in SECTIONS}


# --- what a section page was opened with ------------------------------------------------------

# The hidden field of a section form that carries the fingerprint of the answers as stored
# when the page was made (templates/filing/_section_form.html, static/js/autosave.js).
FINGERPRINT_FIELD = "section_fingerprint"


def stored_answers(form_class, notice) -> dict:
    """The section's answers as stored: the fields of a form made from the notice alone
    (no form data, no CSRF token), as a form would send them back."""
    form = form_class(formdata=None, obj=notice, meta={"csrf": False})
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def answers_fingerprint(form_class, notice) -> str:
    """SHA-256 of the canonical JSON of the section's stored answers. Two pages of the same
    section carry the same fingerprint as long as nobody saved the section in between;
    another section's answers do not enter it."""
    return fingerprint(canonical_json(stored_answers(form_class, notice)))
