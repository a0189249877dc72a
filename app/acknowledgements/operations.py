"""Issuing acknowledgements inside the unit of work of the event they acknowledge.

The document is rendered from plain values taken from the filed snapshot (never from
live ORM objects), stored with its SHA-256, and never regenerated: a rollback of the
event discards it with everything else."""

import hashlib
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from sqlalchemy import select

from .. import labels
from ..domain import calendar
from ..domain.workflow import Status, provider_status
from ..extensions import db
from ..filing.models import Notice, NoticeVersion
from ..models import as_utc
from .codes import new_verification_code
from .models import Acknowledgement, DocumentKind
from .render import render_acknowledgement

logger = logging.getLogger(__name__)


def verification_url(receipt_number: str, code: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    _warn_if_not_where_people_are(base, receipt_number)
    return f"{base}/verify?{urlencode({'number': receipt_number, 'code': code})}"


def _warn_if_not_where_people_are(base: str, receipt_number: str) -> None:
    """A document printed once keeps its link for ever: when the request that issues it
    came to another address than PUBLIC_BASE_URL (a server started on another port, or
    behind a proxy), say so in the log, where an operator will see it."""
    if not has_request_context() or request.host_url.rstrip("/") == base:
        return
    logger.warning(
        "acknowledgement of %s links to PUBLIC_BASE_URL %s, but its request came to %s: "
        "set PUBLIC_BASE_URL to the address people use",
        receipt_number,
        base,
        request.host_url,
    )


def _label(table, value) -> dict:
    out = {}
    for language in ("ja", "en"):
        with force_locale(language):
            out[language] = str(table.get(value, value))
    return out


def filed_provider(snapshot: dict) -> dict:
    """The provider as the snapshot has it: what the acknowledgement prints."""
    provider = snapshot["provider"]
    return {
        "name_ja": provider["name_ja"],
        "name_en": provider["name_en"],
        "corporate_number": provider.get("corporate_number"),
        "lei": provider.get("lei"),
        "country": provider.get("country") or "JP",
    }


def filed_system(snapshot: dict) -> dict:
    """The system as the snapshot has it: what the acknowledgement prints."""
    return {
        "name": snapshot["system"]["system_name"],
        "version": snapshot["system"]["system_version"],
    }


def _document(notice: Notice, kind: DocumentKind, code: str, *, decision=None, request=None):
    version = notice.latest_version
    snapshot = json.loads(version.snapshot)
    doc = {
        "kind": kind.value,
        "issuer": current_app.config["ISSUER_NAME"],
        "demo": bool(current_app.config["DEMO"]),
        "receipt_number": notice.receipt_number,
        "received_at": as_utc(notice.submitted_at),
        "issued_at": calendar.utcnow(),
        "provider": filed_provider(snapshot),
        "system": filed_system(snapshot),
        "notice_type": _label(labels.NOTICE_TYPE, snapshot["notice"]["notice_type"]),
        "planned_date": notice.planned_date,
        "attachments": [
            {
                "name": a["display_name"],
                "category": _label(labels.ATTACHMENT_CATEGORY, a["category"])["en"],
                "size": a["size"],
                "sha256": a["sha256"],
            }
            for a in snapshot["attachments"]
        ],
        "fingerprint": version.fingerprint,
        "content_version": version.number,
        "verification_code": code,
        "verification_url": verification_url(notice.receipt_number, code),
        "notice_json": version.snapshot.encode("utf-8"),
    }
    if decision is not None:
        doc["decision"] = {
            "outcome": "accepted" if decision.outcome == "accept" else "returned",
            "decided_at": as_utc(decision.checked_at),
            "reasons": decision.reasons,
        }
    if request is not None:
        doc["request"] = {"comment": request.comment, "reply_by": request.reply_by}
    return doc, version.number


def issue(notice: Notice, kind: DocumentKind, *, decision=None, request=None) -> Acknowledgement:
    """Render and keep one acknowledgement; flushes, the caller commits with its event."""
    code = new_verification_code()
    doc, version_number = _document(notice, kind, code, decision=decision, request=request)
    pdf = render_acknowledgement(doc, timeout=current_app.config["PDF_RENDER_TIMEOUT"])
    acknowledgement = Acknowledgement(
        notice_id=notice.id,
        kind=kind,
        receipt_number=notice.receipt_number,
        verification_code=code,
        notice_version=version_number,
        issued_at=doc["issued_at"],
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        pdf=pdf,
    )
    db.session.add(acknowledgement)
    db.session.flush()
    return acknowledgement


def for_notice(notice: Notice) -> list[Acknowledgement]:
    return db.session.scalars(
        select(Acknowledgement)
        .where(Acknowledgement.notice_id == notice.id)
        .order_by(Acknowledgement.id)
    ).all()


@dataclass(frozen=True)
class Verified:
    """An issued acknowledgement with the provider and system it states: taken from the
    snapshot of the version it acknowledged, as the PDF took them, so that the check
    shows what the document says even after the organisation's profile has changed."""

    acknowledgement: Acknowledgement
    provider: dict
    system: dict
    # The notice's status today, as providers see it ("received", …, "withdrawn"): a
    # receipt stays genuine after its notice is withdrawn, and whoever checks it should
    # know. A decision is final, so for a decision notice this is also its outcome.
    status_today: str

    @property
    def outcome(self) -> str | None:
        """``accepted`` or ``returned`` for a decision notice; None for other documents."""
        if self.acknowledgement.kind != DocumentKind.DECISION:
            return None
        return self.status_today


def _verified(*conditions) -> Verified | None:
    """The acknowledgement meeting ``conditions``, its version's snapshot and its notice's
    status, in one statement."""
    row = db.session.execute(
        select(Acknowledgement, NoticeVersion.snapshot, Notice.status)
        .join(
            NoticeVersion,
            (NoticeVersion.notice_id == Acknowledgement.notice_id)
            & (NoticeVersion.number == Acknowledgement.notice_version),
        )
        .join(Notice, Notice.id == Acknowledgement.notice_id)
        .where(*conditions)
    ).first()
    if row is None:
        return None
    snapshot = json.loads(row.snapshot)
    return Verified(
        row.Acknowledgement,
        filed_provider(snapshot),
        filed_system(snapshot),
        provider_status(Status(row.status)).value,
    )


def find(receipt_number: str, code: str) -> Verified | None:
    return _verified(
        Acknowledgement.receipt_number == receipt_number,
        Acknowledgement.verification_code == code,
    )


def find_by_hash(sha256: str) -> Verified | None:
    return _verified(Acknowledgement.sha256 == sha256)
