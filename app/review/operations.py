"""The review workflow as named operations. Each checks who may act and the
transition, writes the rows and the history entry, and flushes; the request commits."""

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import REVIEW_ROLES, Role
from ..acknowledgements import operations as acknowledgements
from ..acknowledgements.models import DocumentKind
from ..domain import calendar
from ..domain.workflow import Action, NotPermitted, Status, TransitionRefused, check_transition
from ..extensions import db
from ..filing.models import Notice
from ..filing.operations import FilingRules, record_version, refuse_duplicate, store_attachment
from ..filing.transitions import apply_transition, ensure_current
from ..history.operations import record_event
from ..mail import outbox
from .models import Decision, InformationRequest, Outcome


class ActionRefused(TransitionRefused):
    """The status allows the action, but not for this person."""

    def __init__(self, action: Action, notice: Notice, reason):
        super().__init__(action, Status(notice.status), reason)


def _require_review_role(action, notice, actor):
    if actor.role not in REVIEW_ROLES:
        raise NotPermitted(action, _l("Only reviewers and supervisors may do this."))


def _require_handler_or_supervisor(action, notice, actor):
    _require_review_role(action, notice, actor)
    if notice.handler_id != actor.id and actor.role != Role.SUPERVISOR:
        raise NotPermitted(
            action, _l("Only the handler of this notice or a supervisor may do this.")
        )


def take_notice(notice: Notice, actor, *, expected_version: int) -> None:
    ensure_current(notice, expected_version)
    _require_review_role(Action.TAKE, notice, actor)
    apply_transition(
        notice,
        Action.TAKE,
        actor,
        expected_version=expected_version,
        values={"handler_id": actor.id},
    )
    outbox.notify_provider(notice, "taken")


def assign_notice(notice: Notice, actor, assignee, *, expected_version: int) -> None:
    ensure_current(notice, expected_version)
    if actor.role != Role.SUPERVISOR:
        raise NotPermitted(Action.ASSIGN, _l("Only a supervisor may assign notices."))
    if assignee is None or assignee.role not in REVIEW_ROLES or not assignee.active:
        raise ActionRefused(
            Action.ASSIGN, notice, _l("Notices can be assigned to active reviewers only.")
        )
    target = Status.UNDER_REVIEW if notice.status == Status.SUBMITTED else Status(notice.status)
    apply_transition(
        notice,
        Action.ASSIGN,
        actor,
        expected_version=expected_version,
        target=target,
        values={"handler_id": assignee.id},
        comment=assignee.name,
    )


def request_information(
    notice: Notice,
    actor,
    *,
    comment: str,
    reply_by: date,
    today: date,
    expected_version: int,
    min_reply_business_days: int | None = None,
) -> InformationRequest:
    """``min_reply_business_days`` defaults to the INFORMATION_REPLY_MIN_BUSINESS_DAYS
    setting: the reply-by date is a business day at least that many business days ahead."""
    ensure_current(notice, expected_version)
    _require_handler_or_supervisor(Action.REQUEST_INFORMATION, notice, actor)
    if not comment.strip():
        raise ActionRefused(
            Action.REQUEST_INFORMATION, notice, _l("Say what information is needed.")
        )
    if min_reply_business_days is None:
        min_reply_business_days = current_app.config["INFORMATION_REPLY_MIN_BUSINESS_DAYS"]
    problem = InformationRequest.reply_by_problem(reply_by, today, min_reply_business_days)
    if problem is not None:
        raise ActionRefused(Action.REQUEST_INFORMATION, notice, problem)
    apply_transition(
        notice,
        Action.REQUEST_INFORMATION,
        actor,
        expected_version=expected_version,
        comment=comment,
    )
    request = InformationRequest(
        notice_id=notice.id,
        requested_by_id=actor.id,
        paused_from=first_paused_day(notice.receipt_date, today),
        reply_by=reply_by,
        comment=comment,
    )
    db.session.add(request)
    db.session.flush()
    acknowledgements.issue(notice, DocumentKind.INFORMATION_REQUEST, request=request)
    outbox.notify_provider(notice, "information_requested", request=request)
    return request


def first_paused_day(receipt: date, requested_on: date) -> date:
    """The first business day an information request made on ``requested_on`` stops.

    The review clock counts the business days after the receipt date, so a request made on
    that day (or, for a notice filed after hours, the evening before it) stops nothing
    until the day after: counting the receipt date itself would extend the deadline by
    one day more than the clock was stopped."""
    return max(calendar.business_day_on_or_after(requested_on), calendar.next_business_day(receipt))


def open_request(notice: Notice) -> InformationRequest | None:
    return db.session.scalar(
        select(InformationRequest)
        .where(InformationRequest.notice_id == notice.id, InformationRequest.response.is_(None))
        .order_by(InformationRequest.id.desc())
        .limit(1)
    )


def respond_to_request(
    notice: Notice,
    actor,
    *,
    message: str,
    files: list[tuple[str, str, bytes]],
    now: datetime,
    expected_version: int,
    storage,
    rules: FilingRules,
) -> InformationRequest:
    """The provider's answer: restarts the clock and files a new version of the notice."""
    ensure_current(notice, expected_version)
    if actor.organisation_id != notice.organisation_id:
        raise NotPermitted(Action.RESPOND, _l("Only the provider may respond."))
    # Nothing to respond to is refused as such, before what the response says is read.
    check_transition(Action.RESPOND, Status(notice.status))
    request = open_request(notice)
    if request is None or not message.strip():
        raise ActionRefused(Action.RESPOND, notice, _l("Write a response to the request."))
    today = calendar.to_jst(now).date()
    # Business days from the request up to, not including, the day of the response.
    paused = calendar.business_days_between(
        request.paused_from - timedelta(days=1), today - timedelta(days=1)
    )
    total_paused = notice.paused_business_days + paused
    apply_transition(
        notice,
        Action.RESPOND,
        actor,
        expected_version=expected_version,
        comment=message,
        values={
            "paused_business_days": total_paused,
            # The deadline set at receipt, moved by this pause: not recounted from today's
            # REVIEW_BUSINESS_DAYS, which may have changed since the notice was received.
            "review_deadline": calendar.add_business_days(notice.review_deadline, paused),
        },
    )
    request.response = message
    request.responded_at = now
    request.responded_by_id = actor.id
    request.paused_business_days = paused
    # A file stored here is deleted again if the transaction does not commit. The
    # transition above holds the notice's row, so no other request adds files meanwhile.
    for category, filename, data in files:
        refuse_duplicate(notice, data)
        attachment = store_attachment(
            notice,
            actor,
            category=category,
            filename=filename,
            data=data,
            storage=storage,
            rules=rules,
        )
        attachment.information_request_id = request.id
    db.session.flush()
    db.session.refresh(notice)
    record_version(notice, actor, number=len(notice.versions) + 1)
    outbox.notify_staff(notice, "provider_responded")
    return request


def propose_decision(
    notice: Notice, actor, *, outcome: Outcome, reasons: str, expected_version: int
) -> Decision:
    ensure_current(notice, expected_version)
    _require_handler_or_supervisor(Action.PROPOSE_DECISION, notice, actor)
    if not reasons.strip():
        raise ActionRefused(Action.PROPOSE_DECISION, notice, _l("Give the reasons."))
    apply_transition(
        notice,
        Action.PROPOSE_DECISION,
        actor,
        expected_version=expected_version,
        comment=reasons,
    )
    decision = Decision(
        notice_id=notice.id, outcome=Outcome(outcome), reasons=reasons, proposed_by_id=actor.id
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def pending_decision(notice: Notice) -> Decision | None:
    return db.session.scalar(
        select(Decision)
        .where(Decision.notice_id == notice.id, Decision.verdict.is_(None))
        .order_by(Decision.id.desc())
        .limit(1)
    )


def confirmed_decision(notice: Notice) -> Decision | None:
    """The decision that ended the review (accepted or returned), once confirmed."""
    return db.session.scalar(
        select(Decision)
        .where(Decision.notice_id == notice.id, Decision.verdict == "confirmed")
        .order_by(Decision.id.desc())
        .limit(1)
    )


def _checkable(action, notice, actor) -> Decision:
    if actor.role != Role.SUPERVISOR:
        raise NotPermitted(action, _l("Only a supervisor may confirm or send back."))
    decision = pending_decision(notice)
    if decision is None:
        raise ActionRefused(action, notice, _l("There is no proposed decision."))
    if decision.proposed_by_id == actor.id:
        raise ActionRefused(
            action,
            notice,
            _l(
                "A decision needs two people: it must be confirmed by someone other than "
                "the proposer."
            ),
        )
    return decision


def confirm_decision(notice: Notice, actor, *, now: datetime, expected_version: int) -> Decision:
    ensure_current(notice, expected_version)
    decision = _checkable(Action.CONFIRM_DECISION, notice, actor)
    target = Status.ACCEPTED if decision.outcome == Outcome.ACCEPT else Status.RETURNED
    apply_transition(
        notice,
        Action.CONFIRM_DECISION,
        actor,
        expected_version=expected_version,
        target=target,
        values={"decided_at": now},
        comment=decision.reasons,
    )
    decision.verdict = "confirmed"
    decision.checked_by_id = actor.id
    decision.checked_at = now
    db.session.flush()
    acknowledgements.issue(notice, DocumentKind.DECISION, decision=decision)
    outbox.notify_provider(notice, "decided", decision=decision)
    return decision


def send_back(notice: Notice, actor, *, comment: str, now: datetime, expected_version: int):
    ensure_current(notice, expected_version)
    decision = _checkable(Action.SEND_BACK, notice, actor)
    if not comment.strip():
        raise ActionRefused(Action.SEND_BACK, notice, _l("Say why the proposal is sent back."))
    apply_transition(
        notice, Action.SEND_BACK, actor, expected_version=expected_version, comment=comment
    )
    decision.verdict = "sent_back"
    decision.checked_by_id = actor.id
    decision.checked_at = now
    decision.check_comment = comment
    db.session.flush()
    return decision


def add_internal_note(notice: Notice, actor, body: str) -> None:
    """Staff-only: never shown to or mailed to a provider."""
    if not actor.is_staff:
        raise NotPermitted(Action.TAKE, _l("Only staff may write internal notes."))
    if not body.strip():
        raise ActionRefused(Action.TAKE, notice, _l("The note is empty."))
    record_event(notice, actor, "note", comment=body, internal=True)
