"""The immutable record of what was filed: plain values, canonical JSON."""

from ..accounts.operations import PROFILE_FIELDS as PROVIDER_FIELDS
from ..domain.calendar import to_jst
from ..domain.fingerprint import canonical_json, fingerprint
from ..domain.text import search_key
from .sections import SECURITY_FIELDS, SYSTEM_FIELDS

SNAPSHOT_SCHEMA = 1


def _value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _pick(obj, names):
    return {name: _value(getattr(obj, name)) for name in names}


def build_snapshot(notice, organisation, *, version: int) -> dict:
    return {
        "schema": SNAPSHOT_SCHEMA,
        "filing": {
            "receipt_number": notice.receipt_number,
            "received_at": to_jst(notice.submitted_at).isoformat(),
            "version": version,
        },
        **answers(notice, organisation),
    }


def answers(notice, organisation) -> dict:
    """The particulars as they would be filed now: the snapshot without its filing
    details, so that a draft can be read back as it will be filed."""
    refers_to = notice.refers_to
    return {
        "provider": provider_section(organisation),
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


def provider_section(organisation) -> dict:
    """The snapshot's provider section: the profile as it is now."""
    return _pick(organisation, PROVIDER_FIELDS)


def provider_as_filed(provider: dict) -> dict:
    """The notice's columns for its provider as filed, from a snapshot's provider section:
    what the register lists and searches, so that a later profile edit changes neither."""
    return {
        "provider_name_ja": provider["name_ja"],
        "provider_name_en": provider["name_en"],
        "provider_name_key": search_key(provider["name_ja"], provider["name_en"]),
        "provider_corporate_number": provider["corporate_number"],
        "provider_lei": provider["lei"],
    }


def read_back_fingerprint(notice, organisation) -> str:
    """What the check page showed, in one value: the submit form carries it, and the notice
    is filed only if its answers still give the same (not changed in another window since)."""
    return fingerprint(canonical_json(answers(notice, organisation)))
