"""The immutable record of what was filed: plain values, canonical JSON."""

from ..domain.calendar import to_jst

SNAPSHOT_SCHEMA = 1

PROVIDER_FIELDS = (
    "kind",
    "name_ja",
    "name_en",
    "corporate_number",
    "country",
    "lei",
    "postal_code",
    "address",
    "representative_name",
    "representative_title",
    "contact_name",
    "contact_department",
    "contact_email",
    "contact_phone",
)
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


def _value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _pick(obj, names):
    return {name: _value(getattr(obj, name)) for name in names}


def build_snapshot(notice, organisation, *, version: int) -> dict:
    refers_to = notice.refers_to
    return {
        "schema": SNAPSHOT_SCHEMA,
        "filing": {
            "receipt_number": notice.receipt_number,
            "received_at": to_jst(notice.submitted_at).isoformat(),
            "version": version,
        },
        "provider": _pick(organisation, PROVIDER_FIELDS),
        "notice": {
            "notice_type": _value(notice.notice_type),
            "refers_to": refers_to.receipt_number if refers_to else None,
            "planned_date": _value(notice.planned_date),
        },
        "system": _pick(notice, SYSTEM_FIELDS),
        "clients": [
            {"registration_number": c.registration_number, "name": c.name, "name_en": c.name_en}
            for c in notice.clients
        ],
        "security": {
            **_pick(notice, SECURITY_FIELDS),
            "certifications": [
                _pick(c, ("kind", "reference", "issuer", "valid_from", "valid_until"))
                for c in notice.certifications
            ],
            "subcontractors": [
                _pick(s, ("name", "country", "function")) for s in notice.subcontractors
            ],
        },
        "attachments": [
            _pick(a, ("category", "display_name", "size", "sha256", "page_count"))
            for a in notice.attachments
        ],
        "declaration": _pick(notice, ("declarant_name", "declarant_title")),
    }
