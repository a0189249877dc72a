"""What differs between two filed snapshots of notices, field by field.

Two uses: a material change or a discontinuation against the accepted notice it refers
to (what the provider now says differently), and a notice's latest version against the
one before it (what a response to an information request added). Plain functions of two
snapshots (see snapshot.py); the labels are the forms' own, translated when shown.
"""

import difflib
import json
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .. import labels
from ..accounts.forms import OrganisationForm
from ..accounts.operations import PROFILE_FIELDS as PROVIDER_FIELDS
from .forms import DeclarationForm, NoticeForm, SecurityForm, SystemForm
from .sections import BY_KEY, SECURITY_FIELDS, SYSTEM_FIELDS


@dataclass(frozen=True)
class Change:
    """One field (or one item of a list) that differs. ``before`` and ``after`` are
    segments ``(changed, text)``: a short value is one changed segment, a long text
    keeps what both versions share unmarked."""

    section: str
    name: str  # the field, or the list ("clients", "certifications"...)
    label: object
    before: tuple
    after: tuple

    @property
    def section_title(self):
        return BY_KEY[self.section].title


def _label(form_class, name: str):
    # Every field of these forms takes its label as the first argument.
    return getattr(form_class, name).args[0]


def _labels(form_class, names) -> dict:
    return {name: _label(form_class, name) for name in names}


FIELDS = {
    "provider": _labels(OrganisationForm, PROVIDER_FIELDS),
    "notice": {
        "notice_type": _label(NoticeForm, "notice_type"),
        "refers_to": _label(NoticeForm, "refers_to_id"),
        "planned_date": _label(NoticeForm, "planned_date"),
    },
    "system": _labels(SystemForm, SYSTEM_FIELDS),
    "security": _labels(SecurityForm, SECURITY_FIELDS),
    "declaration": _labels(DeclarationForm, ("declarant_name", "declarant_title")),
}
VALUE_LABELS = {
    "kind": {choice.value: choice.label for choice in OrganisationForm.kind.kwargs["choices"]},
    "notice_type": labels.NOTICE_TYPE,
    "categories": labels.CATEGORY,
    "delivery_model": labels.DELIVERY_MODEL,
    "signing_scheme": labels.SIGNING_SCHEME,
    "fisc_compliance": labels.FISC,
}
# Written at length: compared word by word (each kanji or kana a word of its own).
LONG_TEXTS = frozenset({"description", "supported_assets", "access_controls", "personnel_security"})
_KANA_KANJI = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_KANA_KANJI}]|[^\W{_KANA_KANJI}]+|\s+|[^\w\s]")
# Beyond this many tokens a side, changed lines are marked whole (the matcher's work
# grows with the product of the two lengths).
_MAX_TOKENS = 2000


def _shown(name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    table = VALUE_LABELS.get(name)
    if isinstance(value, list):
        return ", ".join(str(table.get(v, v)) if table else str(v) for v in value)
    return str(table.get(value, value)) if table else str(value)


def _merge(segments) -> tuple:
    merged = []
    for changed, text in segments:
        if text and merged and merged[-1][0] == changed:
            merged[-1] = (changed, merged[-1][1] + text)
        elif text:
            merged.append((changed, text))
    return tuple(merged)


def _words(before: str, after: str) -> tuple[list, list]:
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    if len(a) > _MAX_TOKENS or len(b) > _MAX_TOKENS:
        return [(True, before)], [(True, after)]
    old, new = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old.append((tag != "equal", "".join(a[i1:i2])))
        new.append((tag != "equal", "".join(b[j1:j2])))
    return old, new


def text_diff(before: str, after: str) -> tuple[tuple, tuple]:
    """Segments of ``before`` and ``after``: lines first, then words within the lines
    that changed, so that a long text with one edited sentence marks that sentence."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    old, new = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            old.append((False, "".join(a[i1:i2])))
            new.append((False, "".join(b[j1:j2])))
        else:
            words_old, words_new = _words("".join(a[i1:i2]), "".join(b[j1:j2]))
            old.extend(words_old)
            new.extend(words_new)
    return _merge(old), _merge(new)


def _fields(section: str, before: dict, after: dict) -> list[Change]:
    changes = []
    for name, label in FIELDS[section].items():
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in LONG_TEXTS and old and new:
            segments = text_diff(str(old), str(new))
        else:  # an empty side is shown as empty, not as a removed or added dash
            segments = tuple(
                ((True, _shown(name, value)),) if _shown(name, value) != "—" else ()
                for value in (old, new)
            )
        changes.append(Change(section, name, label, *segments))
    return changes


def _client(c: dict) -> str:
    name = c["name"] + (f" / {c['name_en']}" if c.get("name_en") else "")
    return f"{name} — {c['registration_number']}" if c.get("registration_number") else name


def _certification(c: dict) -> str:
    kind = labels.CERTIFICATION_KIND.get(c["kind"], c["kind"])
    period = f"{c.get('valid_from') or ''}–{c.get('valid_until') or ''}"
    parts = (kind, c.get("reference"), c.get("issuer"), period)
    return " ".join(str(part) for part in parts if part)


def _subcontractor(s: dict) -> str:
    return f"{s['name']} ({s['country']}): {s['function']}"


def _attachment(a: dict) -> str:
    category = labels.ATTACHMENT_CATEGORY.get(a["category"], a["category"])
    return f"{a['display_name']} ({category}) SHA-256 {a['sha256']}"


def _items(section: str, name: str, label, before: list, after: list, describe) -> list:
    """Items only in ``before`` (removed) and only in ``after`` (added), in order."""
    old, new = [describe(i) for i in before], [describe(i) for i in after]
    removed = [Change(section, name, label, ((True, t),), ()) for t in old if t not in new]
    added = [Change(section, name, label, (), ((True, t),)) for t in new if t not in old]
    return removed + added


def compare(before: dict, after: dict) -> list[Change]:
    """Every difference between two snapshots, in the order of the notice's sections."""
    security_old, security_new = before["security"], after["security"]
    return [
        *_fields("provider", before["provider"], after["provider"]),
        *_fields("notice", before["notice"], after["notice"]),
        *_fields("system", before["system"], after["system"]),
        *_items(
            "clients",
            "clients",
            BY_KEY["clients"].title,
            before["clients"],
            after["clients"],
            _client,
        ),
        *_fields("security", security_old, security_new),
        *_items(
            "security",
            "certifications",
            _l("Certifications"),
            security_old["certifications"],
            security_new["certifications"],
            _certification,
        ),
        *_items(
            "security",
            "subcontractors",
            _l("Subcontractors and outsourced development"),
            security_old["subcontractors"],
            security_new["subcontractors"],
            _subcontractor,
        ),
        *_items(
            "attachments",
            "attachments",
            BY_KEY["attachments"].title,
            before["attachments"],
            after["attachments"],
            _attachment,
        ),
        *_fields("declaration", before["declaration"], after["declaration"]),
    ]


@dataclass(frozen=True)
class Comparison:
    """The notice's latest version against ``against``: its previous version (``kind``
    "version") or the latest version of the notice it refers to ("referred")."""

    kind: str
    against_version: int
    against_receipt: str
    changes: list


def comparisons(notice, now: dict | None) -> list[Comparison]:
    """What a reader of ``notice`` (whose latest snapshot is ``now``, as the page has it)
    should see compared with other notices: the notice a material change or a
    discontinuation refers to, and the returned or withdrawn notice it files again, where
    there are any. Two versions of the notice itself are compared by
    history.versions.with_chosen_versions, which the reader's choice decides."""
    if now is None:
        return []
    found = []
    referred = notice.refers_to.latest_version if notice.refers_to else None
    if referred is not None:
        found.append(
            Comparison(
                "referred",
                referred.number,
                notice.refers_to.receipt_number,
                [
                    change
                    for change in compare(json.loads(referred.snapshot), now)
                    # What makes it a change of that notice, not a difference of substance.
                    if change.name not in ("notice_type", "refers_to")
                ],
            )
        )
    earlier = notice.refiling.earlier if notice.refiling else None
    if earlier is not None and earlier.latest_version is not None:
        found.append(
            Comparison(
                "refiled",
                earlier.latest_version.number,
                earlier.receipt_number,
                compare(json.loads(earlier.latest_version.snapshot), now),
            )
        )
    return found
