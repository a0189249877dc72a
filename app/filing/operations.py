"""Named operations on a provider's notices. Each flushes; the request commits once."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import files
from ..acknowledgements import operations as acknowledgements
from ..acknowledgements.models import DocumentKind
from ..domain import calendar
from ..domain.fingerprint import canonical_json, fingerprint
from ..domain.pdfcheck import RejectedFile, check_pdf, check_size, safe_display_name
from ..domain.workflow import Action, NotPermitted, Status, TransitionRefused
from ..extensions import db
from ..files import discard_unless_committed
from ..mail import outbox
from ..reference import exchange_by_number
from .completeness import Problem, find_problems
from .copying import copy_answers
from .models import (
    Attachment,
    Certification,
    Notice,
    NoticeClient,
    NoticeType,
    NoticeVersion,
    Refiling,
    Subcontractor,
)
from .numbering import allocate_receipt_number
from .snapshot import build_snapshot, provider_as_filed, provider_section, read_back_fingerprint
from .transitions import apply_transition, ensure_current


class NotADraft(TransitionRefused):
    def __init__(self, notice: Notice):
        super().__init__(
            Action.SUBMIT,
            Status(notice.status),
            _l("This notice has been submitted and can no longer be edited."),
        )


class ChangedSinceRead(Exception):
    """The draft changed after its check page was shown: what would be filed is not what
    the declarant read."""


class SubmissionIncomplete(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


class AttachmentRefused(Exception):
    """A file refused, with why; ``filename`` says which, where several came at once."""

    def __init__(self, message, filename=None):
        super().__init__(str(message))
        self.message = message
        self.filename = filename

    def naming_the_file(self) -> str:
        if not self.filename:
            return self.message
        name = safe_display_name(self.filename)
        return _l("%(name)s: %(reason)s", name=name, reason=self.message)


@dataclass(frozen=True)
class FilingRules:
    """The configurable parts of the clock, read from app config by the views."""

    advance_business_days: int = 40
    review_business_days: int = 20
    business_day_end: time = time(17, 0)
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_notice_attachment_bytes: int = 100 * 1024 * 1024
    exchange_register_path: str | None = None

    @classmethod
    def from_config(cls, config) -> "FilingRules":
        hour, minute = (int(part) for part in config["BUSINESS_DAY_END"].split(":"))
        return cls(
            advance_business_days=config["ADVANCE_BUSINESS_DAYS"],
            review_business_days=config["REVIEW_BUSINESS_DAYS"],
            business_day_end=time(hour, minute),
            max_attachment_bytes=config["MAX_ATTACHMENT_BYTES"],
            max_notice_attachment_bytes=config["MAX_NOTICE_ATTACHMENT_BYTES"],
            exchange_register_path=config.get("EXCHANGE_REGISTER_PATH"),
        )

    def receipt_date(self, now: datetime) -> date:
        """The day a notice submitted at ``now`` is received: after the end of a business
        day, or on a day the FSA is closed, the next business day."""
        return calendar.receipt_date(now, self.business_day_end)

    def earliest_start(self, now: datetime) -> date:
        """The earliest planned date a notice submitted at ``now`` may name: the advance
        period counts from its receipt date, not from the calendar day of submission."""
        return calendar.earliest_start_date(self.receipt_date(now), self.advance_business_days)


def _require_draft(notice: Notice) -> None:
    if notice.status != Status.DRAFT:
        raise NotADraft(notice)


def accepted_notice_ids(organisation_id: int) -> frozenset[int]:
    return frozenset(
        db.session.scalars(
            select(Notice.id).where(
                Notice.organisation_id == organisation_id, Notice.status == Status.ACCEPTED
            )
        )
    )


def create_draft(
    user, notice_type=NoticeType.NEW, refers_to_id: int | None = None, *, storage=None
) -> Notice:
    """A new draft; a material change or a discontinuation starts from the answers of the
    accepted notice it refers to (its files are stored again, in ``storage``)."""
    notice_type = NoticeType(notice_type)
    own_accepted = accepted_notice_ids(user.organisation_id)
    if notice_type == NoticeType.NEW or refers_to_id not in own_accepted:
        refers_to_id = None
    notice = _new_draft(user, notice_type, refers_to_id)
    if refers_to_id:
        copy_answers(notice, db.session.get(Notice, refers_to_id), user, storage or files.storage())
    db.session.flush()
    return notice


# What a notice can be filed again from: the review's answer was to return it, or the
# provider took it back. Anything else is still alive (or accepted: a change refers to it).
REFILABLE = frozenset({Status.RETURNED, Status.WITHDRAWN})


def file_again(earlier: Notice, user, *, storage=None) -> Notice:
    """A new draft with the answers and files of a returned or withdrawn notice, of the
    same type and referring to the same accepted notice (while it is still one). The
    draft remembers where it came from (:class:`Refiling`), for the examiner."""
    if Status(earlier.status) not in REFILABLE:
        raise TransitionRefused(
            Action.SUBMIT,
            Status(earlier.status),
            _l("Only a returned or withdrawn notice can be filed again."),
        )
    refers_to_id = earlier.refers_to_id
    if refers_to_id not in accepted_notice_ids(user.organisation_id):
        refers_to_id = None
    notice_type = NoticeType(earlier.notice_type) if refers_to_id else NoticeType.NEW
    notice = _new_draft(user, notice_type, refers_to_id)
    copy_answers(notice, earlier, user, storage or files.storage())
    notice.refiling = Refiling(earlier=earlier)
    db.session.flush()
    return notice


def _new_draft(user, notice_type: NoticeType, refers_to_id: int | None) -> Notice:
    notice = Notice(
        organisation_id=user.organisation_id,
        created_by_id=user.id,
        notice_type=notice_type,
        refers_to_id=refers_to_id,
        categories=[],
        data_countries=[],
        key_countries=[],
    )
    db.session.add(notice)
    return notice


class SectionChanged(Exception):
    """The section's stored answers are no longer those its page was opened with: another
    window, or a colleague, saved it since. ``current`` is the fingerprint stored now."""

    def __init__(self, current: str):
        super().__init__("section changed since its page was opened")
        self.current = current


def save_section(notice: Notice, data: dict) -> None:
    """Save whatever the form holds, partial answers included. A new service refers to
    no earlier notice, whatever the form says."""
    _require_draft(notice)
    if data.get("notice_type") == NoticeType.NEW:
        data = {**data, "refers_to_id": None}
    for name, value in data.items():
        setattr(notice, name, value)
    notice.updated_at = calendar.utcnow()
    db.session.flush()


def save_section_seen(
    notice: Notice, data: dict, *, seen: str | None, fingerprint_of: Callable[[Notice], str]
) -> str:
    """Save one section's answers unless the section was saved by someone else since its
    page was opened; returns the fingerprint of the answers stored now.

    ``seen`` is the fingerprint the page was made with (None: a form without one, sent by
    a page older than the check, is saved as before); ``fingerprint_of`` gives the
    fingerprint of the section's answers as stored on a notice. The notice's row lock
    (SQLite queues every write) makes the comparison and the write one step: of two saves
    from pages opened on the same answers, the second finds the first's answers and is
    refused with :class:`SectionChanged`, nothing written."""
    _lock(notice)
    _require_draft(notice)
    if seen is not None:
        stored = fingerprint_of(notice)
        if stored != seen:
            raise SectionChanged(stored)
    save_section(notice, data)
    # What the database holds now (its types, the refusal of a reference), not the form.
    db.session.expire(notice)
    return fingerprint_of(notice)


def _lock(notice: Notice) -> None:
    """Lock the notice's row and read it again: what another request committed before the
    lock was granted is seen (its status included)."""
    db.session.scalars(
        select(Notice)
        .where(Notice.id == notice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def add_client(notice: Notice, *, registration_number="", name="", name_en="", rules=None):
    _require_draft(notice)
    if registration_number:
        path = rules.exchange_register_path if rules else None
        exchange = exchange_by_number(registration_number, path=path)
        if exchange is None:
            raise AttachmentRefused(_l("Choose an exchange from the register."))
        if any(c.registration_number == exchange.registration_number for c in notice.clients):
            raise AttachmentRefused(_l("This exchange is already listed."))
        client = NoticeClient(
            registration_number=exchange.registration_number,
            name=exchange.name_ja,
            name_en=exchange.name_en,
        )
    elif name.strip():
        client = NoticeClient(name=name.strip(), name_en=name_en.strip())
    else:
        raise AttachmentRefused(_l("Choose a registered exchange or enter a name."))
    notice.clients.append(client)
    db.session.flush()
    return client


def add_subcontractor(notice: Notice, data: dict) -> Subcontractor:
    _require_draft(notice)
    item = Subcontractor(**data)
    notice.subcontractors.append(item)
    db.session.flush()
    return item


def add_certification(notice: Notice, data: dict) -> Certification:
    _require_draft(notice)
    item = Certification(**data)
    notice.certifications.append(item)
    db.session.flush()
    return item


GROUPS = {
    "clients": NoticeClient,
    "subcontractors": Subcontractor,
    "certifications": Certification,
}


def remove_group_item(notice: Notice, group: str, item_id: int) -> bool:
    _require_draft(notice)
    items = getattr(notice, group)
    for item in items:
        if item.id == item_id:
            items.remove(item)
            db.session.flush()
            return True
    return False


def add_attachment(notice, user, *, category, filename, data: bytes, storage, rules) -> Attachment:
    """Attach a document to a draft: one notice never holds the same file twice (a second
    press of "Upload", or the same document chosen again under another name)."""
    _require_draft(notice)
    # The notice's row lock queues two presses of "Upload" on PostgreSQL (SQLite queues
    # every write), so the second sees the first's attachment.
    _lock(notice)
    refuse_duplicate(notice, data)
    return store_attachment(
        notice,
        user,
        category=category,
        filename=filename,
        data=data,
        storage=storage,
        rules=rules,
    )


def refuse_duplicate(notice, data: bytes) -> None:
    """Refuse a file that the notice already holds (its attachments as flushed, so also
    the files stored earlier in the same request), naming it."""
    same = db.session.scalar(
        select(Attachment.display_name)
        .where(
            Attachment.notice_id == notice.id,
            Attachment.sha256 == hashlib.sha256(data).hexdigest(),
        )
        .limit(1)
    )
    if same is not None:
        raise AttachmentRefused(_l("This file is already attached as %(name)s.", name=same))


def store_attachment(notice, user, *, category, filename, data: bytes, storage, rules):
    """Check the file, store it under a generated name, and record it.

    The stored file is removed again if the transaction does not commit (app/files.py),
    so no orphan remains for a request that fails anywhere after it."""
    try:
        check_size(len(data), rules.max_attachment_bytes)
        info = check_pdf(data)
    except RejectedFile as refused:
        raise AttachmentRefused(REFUSAL_MESSAGES[refused.reason], filename) from refused
    used = sum(a.size for a in notice.attachments)
    if used + info.size > rules.max_notice_attachment_bytes:
        raise AttachmentRefused(
            _l(
                "The attachments of one notice may not exceed %(mb)d MB in total.",
                mb=rules.max_notice_attachment_bytes // (1024 * 1024),
            )
        )
    stored = storage.put(data)
    discard_unless_committed(storage, stored.key)
    attachment = Attachment(
        category=category,
        display_name=safe_display_name(filename or ""),
        storage_key=stored.key,
        size=stored.size,
        sha256=stored.sha256,
        page_count=info.page_count,
        uploaded_by_id=user.id,
    )
    notice.attachments.append(attachment)
    db.session.flush()
    return attachment


REFUSAL_MESSAGES = {
    "empty": _l("The file is empty."),
    "not_pdf": _l("The file is not a PDF document. Only PDF files can be attached."),
    "truncated": _l("The PDF file is incomplete (it may have been cut off during upload)."),
    "encrypted": _l("The PDF file is password-protected. Attach it without a password."),
    "corrupt": _l("The PDF file is damaged and cannot be opened."),
    "too_large": _l("The file is larger than the limit for one attachment."),
}


def remove_attachment(notice: Notice, attachment_id: int) -> str | None:
    """Remove the row; returns the storage key to delete once the request has committed."""
    _require_draft(notice)
    for attachment in notice.attachments:
        if attachment.id == attachment_id:
            notice.attachments.remove(attachment)
            db.session.flush()
            return attachment.storage_key
    return None


def submit_notice(
    notice: Notice, user, *, now: datetime, rules: FilingRules, read_back: str | None = None
) -> NoticeVersion:
    """Validate in full, number, snapshot and fingerprint the notice: one transaction.

    ``read_back``: the read_back_fingerprint of the check page the declarant submitted
    from. The notice's row is locked first (a section saved in another window waits or has
    been saved), and if its answers no longer give that value, ChangedSinceRead is raised
    and nothing is filed."""
    if read_back is not None:
        _lock(notice)
        # Read the rest afresh too (listed rows, documents, the profile), as they are now.
        db.session.expire_all()
        if read_back_fingerprint(notice, notice.organisation) != read_back:
            raise ChangedSinceRead()
    problems = find_problems(
        notice,
        notice.organisation,
        today=calendar.to_jst(now).date(),
        earliest_start=rules.earliest_start(now),
        advance_business_days=rules.advance_business_days,
        accepted_ids=accepted_notice_ids(notice.organisation_id),
    )
    if problems:
        raise SubmissionIncomplete(problems)
    expected_version = notice.version
    receipt_number = allocate_receipt_number(calendar.to_jst(now).year)
    receipt = rules.receipt_date(now)
    apply_transition(
        notice,
        Action.SUBMIT,
        user,
        expected_version=expected_version,
        values={
            "receipt_number": receipt_number,
            "submitted_at": now,
            "submitted_by_id": user.id,
            "receipt_date": receipt,
            "review_deadline": calendar.review_deadline(receipt, rules.review_business_days),
            # The provider as version 1's snapshot records it (the same profile, read now).
            **provider_as_filed(provider_section(notice.organisation)),
        },
    )
    version = record_version(notice, user, number=1)
    acknowledgements.issue(notice, DocumentKind.RECEIPT)
    outbox.notify_provider(notice, "received")
    outbox.notify_staff(notice, "new_submission")
    return version


def record_version(notice: Notice, user, *, number: int) -> NoticeVersion:
    content = build_snapshot(notice, notice.organisation, version=number)
    if number > 1:
        # The provider section is the profile as it was when the notice was first filed.
        content["provider"] = json.loads(notice.versions[0].snapshot)["provider"]
    snapshot = canonical_json(content)
    version = NoticeVersion(
        notice_id=notice.id,
        number=number,
        snapshot=snapshot.decode("utf-8"),
        fingerprint=fingerprint(snapshot),
        created_by_id=user.id,
    )
    db.session.add(version)
    db.session.flush()
    return version


def delete_draft(notice: Notice) -> list[str]:
    """Delete a draft; returns storage keys to remove once the request has committed."""
    _require_draft(notice)
    keys = [a.storage_key for a in notice.attachments]
    db.session.delete(notice)
    db.session.flush()
    return keys


def withdraw_notice(notice: Notice, user, *, reason: str, expected_version: int) -> None:
    ensure_current(notice, expected_version)
    if not user.is_provider or user.organisation_id != notice.organisation_id:
        raise NotPermitted(Action.WITHDRAW, _l("Only the provider may withdraw a notice."))
    if not (reason or "").strip():
        raise TransitionRefused(
            Action.WITHDRAW, Status(notice.status), _l("Give the reason for the withdrawal.")
        )
    apply_transition(
        notice, Action.WITHDRAW, user, expected_version=expected_version, comment=reason
    )
