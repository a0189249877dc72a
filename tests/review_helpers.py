"""Notices at every step of the review, made through the operations layer in milliseconds.

``notice_at(status, people)`` walks a new notice of provider A's along the only path the
workflow allows (provider A's user submits, the reviewer handles, the supervisor confirms)
and commits. The single steps (``submit``, ``take``, ``request_info``, ``respond``,
``propose``, ``confirm``, ``send_back``, ``withdraw``) pass ``expected_version`` as the
notice has it, and take explicit times where the operation does.

``filed_notice(...)`` inserts a filed notice directly (no versions, no history): the queue
reads only the notice row, its organisation and its handler, so sixty of them cost a few
milliseconds.

``state_of(notice_id)`` is everything a refused action must leave as it was: the notice row,
its events, decisions, information requests, versions and attachments.
"""

import re
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.files import storage
from app.filing import operations as filing_ops
from app.filing.models import Attachment, Notice, NoticeType, NoticeVersion
from app.filing.numbering import allocate_receipt_number
from app.filing.snapshot import provider_as_filed, provider_section
from app.history.models import NoticeEvent
from app.review import operations as review_ops
from app.review.models import Decision, InformationRequest
from tests.filing_helpers import complete_draft, default_planned_date, distinct_pdf, rules

VERSION_FIELD = re.compile(r'name="version" type="hidden" value="(\d+)"')


def at_jst(day: date, hour: int = 12) -> datetime:
    """``hour`` o'clock in Tokyo on ``day``, as the aware UTC time the app stores."""
    return datetime.combine(day, time(hour), tzinfo=calendar.JST).astimezone(UTC)


def text(message) -> str:
    """A lazily translated message as English text (it needs a request for its locale)."""
    with current_app.test_request_context(headers={"Accept-Language": "en"}):
        return str(message)


def jst_today() -> date:
    return calendar.to_jst(calendar.utcnow()).date()


def business_days_before(day: date, n: int) -> date:
    """The business day ``n`` business days before ``day`` (the inverse of add_business_days)."""
    while n:
        day -= timedelta(days=1)
        if calendar.is_business_day(day):
            n -= 1
    return day


# --- single steps ------------------------------------------------------------------------


def submit(notice, user, *, now=None):
    filing_ops.submit_notice(notice, user, now=now or calendar.utcnow(), rules=rules())
    return notice


def submitted_notice(user, *, now=None, **overrides) -> Notice:
    """A complete draft of ``user``'s organisation, submitted at ``now`` (default: now)."""
    now = now or calendar.utcnow()
    overrides.setdefault("planned_date", default_planned_date(calendar.to_jst(now).date()))
    return submit(complete_draft(user, **overrides), user, now=now)


def take(notice, actor):
    review_ops.take_notice(notice, actor, expected_version=notice.version)
    return notice


def assign(notice, actor, assignee):
    review_ops.assign_notice(notice, actor, assignee, expected_version=notice.version)
    return notice


def request_info(
    notice, actor, *, comment="Send the penetration test report.", today=None, reply_by=None
):
    today = today or jst_today()
    return review_ops.request_information(
        notice,
        actor,
        comment=comment,
        reply_by=reply_by or calendar.add_business_days(today, 10),
        today=today,
        expected_version=notice.version,
    )


def respond(notice, user, *, now=None, message="The report is attached.", files=()):
    return review_ops.respond_to_request(
        notice,
        user,
        message=message,
        files=list(files),
        now=now or calendar.utcnow(),
        expected_version=notice.version,
        storage=storage(),
        rules=rules(),
    )


def pdf_file(name="pentest.pdf", category="security_assessment"):
    return (category, name, distinct_pdf())


def propose(notice, actor, *, outcome="accept", reasons="Complete and consistent."):
    return review_ops.propose_decision(
        notice, actor, outcome=outcome, reasons=reasons, expected_version=notice.version
    )


def confirm(notice, actor, *, now=None):
    return review_ops.confirm_decision(
        notice, actor, now=now or calendar.utcnow(), expected_version=notice.version
    )


def send_back(notice, actor, *, comment="Check the key custody section again.", now=None):
    return review_ops.send_back(
        notice,
        actor,
        comment=comment,
        now=now or calendar.utcnow(),
        expected_version=notice.version,
    )


def withdraw(notice, user, *, reason="We no longer offer the service."):
    filing_ops.withdraw_notice(notice, user, reason=reason, expected_version=notice.version)
    return notice


# --- a notice in any status ----------------------------------------------------------------

PATH = {
    Status.SUBMITTED: (),
    Status.UNDER_REVIEW: ("take",),
    Status.INFORMATION_REQUESTED: ("take", "request"),
    Status.DECISION_PROPOSED: ("take", "propose"),
    Status.ACCEPTED: ("take", "propose", "confirm"),
    Status.RETURNED: ("take", "propose_return", "confirm"),
    Status.WITHDRAWN: ("withdraw",),
}


def notice_at(status, people, **overrides) -> Notice:
    """Provider A's notice in ``status``: the reviewer takes and proposes, the supervisor
    confirms. Committed."""
    status = Status(status)
    provider = people.provider_a_user
    if status == Status.DRAFT:
        notice = complete_draft(provider, **overrides)
        db.session.commit()
        return notice
    notice = submitted_notice(provider, **overrides)
    steps = {
        "take": lambda: take(notice, people.reviewer),
        "request": lambda: request_info(notice, people.reviewer),
        "propose": lambda: propose(notice, people.reviewer),
        "propose_return": lambda: propose(
            notice,
            people.reviewer,
            outcome="return",
            reasons="The key custody section is incomplete.",
        ),
        "confirm": lambda: confirm(notice, people.supervisor),
        "withdraw": lambda: withdraw(notice, provider),
    }
    for step in PATH[status]:
        steps[step]()
    db.session.commit()
    assert notice.status == status
    return notice


def filed_notice(
    organisation,
    creator,
    *,
    status=Status.SUBMITTED,
    received=None,
    deadline=None,
    handler=None,
    **values,
) -> Notice:
    """A filed notice inserted directly: numbered, received, clocked, its provider copied
    from the profile; no versions or events. ``values`` are further columns
    (``system_name``, ``receipt_date``, ``decided_at``...)."""
    received = received or calendar.utcnow()
    receipt = values.pop("receipt_date", None) or calendar.receipt_date(received)
    columns = {
        "organisation_id": organisation.id,
        "created_by_id": creator.id,
        "status": Status(status),
        "receipt_number": allocate_receipt_number(calendar.to_jst(received).year),
        "submitted_at": received,
        "submitted_by_id": creator.id,
        "receipt_date": receipt,
        "review_deadline": deadline or calendar.review_deadline(receipt),
        "handler_id": handler.id if handler else None,
        "system_name": "VaultCore",
        "notice_type": NoticeType.NEW,
        "categories": [],
        "data_countries": [],
        "key_countries": [],
        **provider_as_filed(provider_section(organisation)),
        **values,
    }
    notice = Notice(**columns)
    db.session.add(notice)
    db.session.flush()
    return notice


# --- what must not change ------------------------------------------------------------------


def _rows(model, *where, order_by):
    table = model.__table__
    statement = select(table).where(*where).order_by(order_by)
    return [dict(row._mapping) for row in db.session.execute(statement)]


def state_of(notice_id: int) -> dict:
    """The notice's row and every row that hangs off it, read afresh from the database."""
    db.session.expire_all()
    return {
        "notice": _rows(Notice, Notice.id == notice_id, order_by=Notice.id),
        "events": _rows(
            NoticeEvent, NoticeEvent.notice_id == notice_id, order_by=NoticeEvent.sequence
        ),
        "decisions": _rows(Decision, Decision.notice_id == notice_id, order_by=Decision.id),
        "requests": _rows(
            InformationRequest,
            InformationRequest.notice_id == notice_id,
            order_by=InformationRequest.id,
        ),
        "versions": _rows(
            NoticeVersion, NoticeVersion.notice_id == notice_id, order_by=NoticeVersion.number
        ),
        "attachments": _rows(Attachment, Attachment.notice_id == notice_id, order_by=Attachment.id),
    }


def events_of(notice_id: int) -> list[NoticeEvent]:
    return db.session.scalars(
        select(NoticeEvent).where(NoticeEvent.notice_id == notice_id).order_by(NoticeEvent.sequence)
    ).all()


def version_on(html: str) -> int:
    """The notice version carried by the first action form of a page."""
    match = VERSION_FIELD.search(html)
    assert match, "no action form with a version on the page"
    return int(match.group(1))


def awaiting_reply(people, name, *requests):
    """Provider A's notice awaiting information, with ``requests`` as (reply_by, answered)
    pairs, handled by the reviewer; its review deadline 12 business days away."""
    today = jst_today()
    notice = filed_notice(
        people.org_a,
        people.provider_a_user,
        status=Status.INFORMATION_REQUESTED,
        handler=people.reviewer,
        deadline=calendar.add_business_days(today, 12),
        system_name=name,
    )
    for reply_by, answered in requests:
        db.session.add(
            InformationRequest(
                notice_id=notice.id,
                requested_by_id=people.reviewer.id,
                paused_from=today - timedelta(days=30),
                reply_by=reply_by,
                comment="Send the report.",
                response="Here." if answered else None,
                responded_at=calendar.utcnow() if answered else None,
            )
        )
    db.session.flush()
    return notice
