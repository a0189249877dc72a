"""The review workflow through its operations: who may act, what each step writes, how the
clock stops and restarts, and that a refused step changes nothing. Then two people acting on
one notice at once, through two browsers and through two threads."""

import json
import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.database import write_intent
from app.domain import calendar
from app.domain.workflow import NotPermitted, Status, TransitionRefused
from app.extensions import db
from app.files import storage
from app.filing.models import Attachment, Notice
from app.filing.operations import AttachmentRefused
from app.filing.transitions import StaleNotice
from app.history.models import NoticeEvent
from app.history.operations import events_for
from app.mail import outbox
from app.mail.models import OutboxMessage
from app.review import operations as ops
from app.review.models import InformationRequest, Outcome
from app.review.queue import days_left
from tests.factories import make_user
from tests.filing_helpers import distinct_pdf
from tests.review_helpers import (
    assign,
    at_jst,
    confirm,
    events_of,
    jst_today,
    notice_at,
    pdf_file,
    propose,
    request_info,
    respond,
    send_back,
    state_of,
    submitted_notice,
    take,
    text,
    version_on,
    withdraw,
)

UNDECIDED = [
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.INFORMATION_REQUESTED,
    Status.DECISION_PROPOSED,
]


@pytest.fixture
def second_supervisor(people):
    user = make_user(Role.SUPERVISOR, name="Shun Checker", email="checker@fsa.example.com")
    db.session.commit()
    return user


@pytest.fixture
def second_reviewer(people):
    user = make_user(Role.REVIEWER, name="Kenta Reviewer", email="kenta@fsa.example.com")
    db.session.commit()
    return user


def assert_refused(notice, attempt, exception=TransitionRefused):
    """``attempt()`` raises ``exception`` (TransitionRefused: the status or the input does not
    allow it, answered 409; NotPermitted: not for this person, answered 403) and leaves every
    row of the notice as it was, both before the request would roll back and after."""
    notice_id = notice.id
    before = state_of(notice_id)
    outbox = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    with pytest.raises(exception) as refused:
        attempt()
    assert state_of(notice_id) == before
    db.session.rollback()
    assert state_of(notice_id) == before
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox
    return refused.value


def last_event(notice):
    return events_of(notice.id)[-1]


def test_a_refusal_needs_no_request(people):
    """The operations are plain Python: outside any request (a CLI command, a script, a
    test) a refusal is an ActionRefused, not an error from translating its reason."""
    notice = notice_at(Status.SUBMITTED, people)
    with pytest.raises(NotPermitted) as refused:
        take(notice, people.provider_a_user)
    assert "reviewers and supervisors" in text(refused.value.reason)
    with pytest.raises(ops.ActionRefused) as refused:
        request_info(notice, people.supervisor, comment=" ")
    assert "what information is needed" in text(refused.value.reason)


# --- take and assign ------------------------------------------------------------------------


def test_take_puts_the_notice_under_review_with_the_taker_as_handler(people):
    notice = notice_at(Status.SUBMITTED, people)
    version = notice.version

    take(notice, people.reviewer)
    db.session.commit()

    db.session.expire_all()
    assert notice.status == Status.UNDER_REVIEW
    assert notice.handler_id == people.reviewer.id
    assert notice.version == version + 1
    event = last_event(notice)
    assert (event.action, event.from_status, event.to_status) == (
        "take",
        "submitted",
        "under_review",
    )
    assert event.actor_id == people.reviewer.id
    assert event.actor_role == "reviewer"
    assert event.notice_version == notice.version
    assert not event.internal
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.notice_id == notice.id)
    ).all()
    assert "taken" in kinds


@pytest.mark.parametrize("who", ["provider_a_user", "provider_a_admin", "administrator"])
def test_only_reviewers_and_supervisors_take_notices(people, who):
    notice = notice_at(Status.SUBMITTED, people)
    assert_refused(notice, lambda: take(notice, getattr(people, who)), NotPermitted)


def test_a_supervisor_takes_too(people):
    notice = notice_at(Status.SUBMITTED, people)
    take(notice, people.supervisor)
    assert (notice.status, notice.handler_id) == (Status.UNDER_REVIEW, people.supervisor.id)


def test_a_supervisor_assigns_a_submitted_notice_which_puts_it_under_review(people):
    notice = notice_at(Status.SUBMITTED, people)

    assign(notice, people.supervisor, people.reviewer)
    db.session.commit()

    assert notice.status == Status.UNDER_REVIEW
    assert notice.handler_id == people.reviewer.id
    event = last_event(notice)
    assert (event.action, event.actor_id) == ("assign", people.supervisor.id)
    assert (event.from_status, event.to_status) == ("submitted", "under_review")
    assert event.comment == people.reviewer.name


@pytest.mark.parametrize("status", [Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED])
def test_reassigning_keeps_the_status(people, second_reviewer, status):
    notice = notice_at(status, people)

    assign(notice, people.supervisor, second_reviewer)

    assert notice.status == status
    assert notice.handler_id == second_reviewer.id


def test_a_reviewer_may_not_assign(people, second_reviewer):
    notice = notice_at(Status.SUBMITTED, people)
    assert_refused(notice, lambda: assign(notice, people.reviewer, second_reviewer), NotPermitted)


@pytest.mark.parametrize("assignee", ["provider_a_user", "administrator", "inactive", None])
def test_notices_go_only_to_active_review_staff(people, assignee):
    if assignee == "inactive":
        user = make_user(Role.REVIEWER, active=False)
        db.session.commit()
    else:
        user = getattr(people, assignee) if assignee else None
    notice = notice_at(Status.SUBMITTED, people)
    assert_refused(notice, lambda: assign(notice, people.supervisor, user))


# --- information requests and the clock -----------------------------------------------------


def test_an_information_request_stops_the_clock(people):
    # Received Monday 2 November 2026, asked on Wednesday the 4th (the 3rd is a holiday).
    notice = submitted_on(people, date(2026, 11, 2))
    today = date(2026, 11, 4)
    assert days_left(notice, today) is not None

    request = request_info(
        notice,
        people.reviewer,
        comment="Send the SOC 2 report.",
        today=today,
        reply_by=calendar.add_business_days(today, 10),
    )
    db.session.commit()

    assert notice.status == Status.INFORMATION_REQUESTED
    assert days_left(notice, today) is None
    assert request.paused_from == today
    assert request.reply_by == calendar.add_business_days(today, 10)
    assert request.response is None
    event = last_event(notice)
    assert (event.action, event.comment) == ("request_information", "Send the SOC 2 report.")
    assert ops.open_request(notice) == request


def test_a_request_made_on_a_saturday_pauses_from_the_monday(people):
    notice = submitted_on(people, date(2026, 11, 26))
    request = request_info(
        notice, people.reviewer, today=date(2026, 11, 28), reply_by=date(2026, 12, 11)
    )
    assert request.paused_from == date(2026, 11, 30)


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_an_information_request_says_what_is_needed(people, comment):
    notice = notice_at(Status.UNDER_REVIEW, people)
    assert_refused(notice, lambda: request_info(notice, people.reviewer, comment=comment))


# Friday 27 November 2026: five business days later is Friday 4 December.
FRIDAY = date(2026, 11, 27)
TOO_SOON = (
    "The reply-by date must be December 4, 2026 or later: at least 5 business days from today."
)
NOT_A_BUSINESS_DAY = (
    "The reply-by date must be a business day: not a Saturday, Sunday or national holiday, "
    "nor between 29 December and 3 January."
)


@pytest.mark.parametrize(
    ("today", "reply_by", "reason"),
    [
        pytest.param(FRIDAY, FRIDAY, TOO_SOON, id="today"),
        pytest.param(FRIDAY, date(2026, 11, 26), TOO_SOON, id="yesterday"),
        pytest.param(FRIDAY, date(2026, 11, 30), TOO_SOON, id="the next business day"),
        pytest.param(FRIDAY, date(2026, 12, 3), TOO_SOON, id="four business days away"),
        pytest.param(FRIDAY, date(2026, 12, 5), NOT_A_BUSINESS_DAY, id="a Saturday"),
        pytest.param(FRIDAY, date(2026, 12, 6), NOT_A_BUSINESS_DAY, id="a Sunday"),
        pytest.param(FRIDAY, date(2026, 12, 31), NOT_A_BUSINESS_DAY, id="31 December"),
        pytest.param(FRIDAY, date(2026, 12, 29), NOT_A_BUSINESS_DAY, id="29 December, a Tuesday"),
        pytest.param(
            date(2026, 11, 13), date(2026, 11, 23), NOT_A_BUSINESS_DAY, id="a national holiday"
        ),
    ],
)
def test_the_reply_by_date_is_a_business_day_far_enough_ahead(people, today, reply_by, reason):
    notice = notice_at(Status.UNDER_REVIEW, people)

    refused = assert_refused(
        notice,
        lambda: request_info(notice, people.reviewer, today=today, reply_by=reply_by),
    )

    assert text(refused.reason) == reason


def test_the_earliest_permitted_reply_by_date_is_accepted(people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    request = request_info(notice, people.reviewer, today=FRIDAY, reply_by=date(2026, 12, 4))
    assert request.reply_by == date(2026, 12, 4)
    assert notice.status == Status.INFORMATION_REQUESTED


def test_a_request_on_a_saturday_counts_its_business_days_from_the_monday(people):
    """Saturday 28 November: Monday 30 November is the first of the five business days."""
    notice = notice_at(Status.UNDER_REVIEW, people)
    saturday = date(2026, 11, 28)
    refused = assert_refused(
        notice,
        lambda: request_info(notice, people.reviewer, today=saturday, reply_by=date(2026, 12, 3)),
    )
    assert text(refused.reason) == TOO_SOON
    request_info(notice, people.reviewer, today=saturday, reply_by=date(2026, 12, 4))


def test_the_minimum_reply_period_is_a_setting(app, people):
    app.config["INFORMATION_REPLY_MIN_BUSINESS_DAYS"] = 10
    notice = notice_at(Status.UNDER_REVIEW, people)
    refused = assert_refused(
        notice,
        lambda: request_info(notice, people.reviewer, today=FRIDAY, reply_by=date(2026, 12, 4)),
    )
    assert text(refused.reason) == (
        "The reply-by date must be December 11, 2026 or later: "
        "at least 10 business days from today."
    )
    # A caller may also say it: one business day is the least there is.
    request = ops.request_information(
        notice,
        people.reviewer,
        comment="More.",
        reply_by=date(2026, 11, 30),
        today=FRIDAY,
        expected_version=notice.version,
        min_reply_business_days=0,
    )
    assert request.reply_by == date(2026, 11, 30)


def test_only_the_handler_or_a_supervisor_requests_information(people, second_reviewer):
    notice = notice_at(Status.UNDER_REVIEW, people)
    assert_refused(notice, lambda: request_info(notice, second_reviewer), NotPermitted)
    request_info(notice, people.supervisor)
    assert notice.status == Status.INFORMATION_REQUESTED


def test_the_response_files_version_2_and_keeps_version_1(people):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    first = notice.versions[0]
    first_snapshot, first_fingerprint = first.snapshot, first.fingerprint
    filed_provider = json.loads(first_snapshot)["provider"]
    # The organisation's profile changes after filing; the notice keeps what was filed.
    people.org_a.name_ja = "改称後株式会社"
    people.org_a.name_en = "Renamed K.K."
    people.org_a.contact_email = "new-contact@example.com"
    db.session.commit()

    request = respond(
        notice,
        people.provider_a_user,
        message="Report attached.",
        files=[pdf_file("pentest-2026.pdf")],
    )
    db.session.commit()

    db.session.expire_all()
    assert notice.status == Status.UNDER_REVIEW
    assert [v.number for v in notice.versions] == [1, 2]
    assert (notice.versions[0].snapshot, notice.versions[0].fingerprint) == (
        first_snapshot,
        first_fingerprint,
    )
    second = json.loads(notice.versions[1].snapshot)
    assert second["filing"]["version"] == 2
    assert second["provider"] == filed_provider
    assert second["provider"]["name_en"] != "Renamed K.K."
    assert second["system"] == json.loads(first_snapshot)["system"]
    assert [a["display_name"] for a in second["attachments"]] == [
        "システム構成図.pdf",
        "pentest-2026.pdf",
    ]
    assert notice.versions[1].fingerprint != first_fingerprint
    added = db.session.scalar(
        select(Attachment).where(Attachment.display_name == "pentest-2026.pdf")
    )
    assert added.information_request_id == request.id
    assert (request.response, request.responded_by_id) == (
        "Report attached.",
        people.provider_a_user.id,
    )
    event = last_event(notice)
    assert (event.action, event.from_status, event.to_status, event.comment) == (
        "respond",
        "information_requested",
        "under_review",
        "Report attached.",
    )
    assert ops.open_request(notice) is None


@pytest.mark.parametrize("where", ["already attached", "twice in the response"])
def test_a_response_holding_a_file_the_notice_has_is_refused_and_writes_nothing(people, where):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    if where == "already attached":
        held = notice.attachments[0]
        data = storage().get(held.storage_key)
        files, named = [("other", "again.pdf", data)], held.display_name
    else:
        data = distinct_pdf()
        files, named = [pdf_file("a.pdf")[:2] + (data,), ("other", "b.pdf", data)], "a.pdf"
    before = state_of(notice.id)

    with pytest.raises(AttachmentRefused) as refused:
        respond(notice, people.provider_a_user, message="Again.", files=files)
    db.session.rollback()

    # Outside a request the message is in the default language, Japanese.
    assert str(refused.value.message) == f"このファイルは「{named}」として添付済みです。"
    assert state_of(notice.id) == before


def submitted_on(people, day):
    notice = submitted_notice(people.provider_a_user, now=at_jst(day, 11))
    take(notice, people.reviewer)
    db.session.commit()
    return notice


def test_a_pause_across_a_holiday_extends_the_deadline_by_the_business_days_paused(people):
    # Received Monday 2 November 2026: 20 business days (3 November is Culture Day,
    # 23 November Labour Thanksgiving Day) end on Wednesday 2 December.
    notice = submitted_on(people, date(2026, 11, 2))
    assert notice.receipt_date == date(2026, 11, 2)
    assert (
        notice.review_deadline
        == date(2026, 12, 2)
        == calendar.review_deadline(date(2026, 11, 2), 20)
    )

    # Asked on Friday 20 November, answered on Wednesday 25 November: paused on the 20th
    # and the 24th; Monday the 23rd is a holiday and the 25th runs again.
    request_info(notice, people.reviewer, today=date(2026, 11, 20), reply_by=date(2026, 12, 4))
    db.session.commit()
    request = respond(notice, people.provider_a_user, now=at_jst(date(2026, 11, 25), 10))
    db.session.commit()

    assert request.paused_business_days == 2
    assert notice.paused_business_days == 2
    assert (
        notice.review_deadline
        == date(2026, 12, 4)
        == calendar.add_business_days(date(2026, 12, 2), 2)
    )
    assert notice.status == Status.UNDER_REVIEW
    assert days_left(notice, date(2026, 11, 25)) == calendar.business_days_between(
        date(2026, 11, 25), date(2026, 12, 4)
    )


def test_a_request_on_the_day_of_receipt_stops_only_the_days_after_it(people):
    # Received Monday 30 November 2026: the clock counts from Tuesday 1 December, and 20
    # business days end on Monday 28 December.
    notice = submitted_on(people, date(2026, 11, 30))
    assert notice.review_deadline == date(2026, 12, 28)

    # Asked the same Monday, answered on Thursday 3 December: the clock stood on the 1st
    # and the 2nd only (the day of receipt is never a counted day), and runs on the 3rd.
    request = request_info(
        notice, people.reviewer, today=date(2026, 11, 30), reply_by=date(2026, 12, 14)
    )
    db.session.commit()
    assert request.paused_from == date(2026, 12, 1)
    respond(notice, people.provider_a_user, now=at_jst(date(2026, 12, 3), 10))
    db.session.commit()

    assert request.paused_business_days == notice.paused_business_days == 2
    assert notice.review_deadline == date(2027, 1, 5)


def test_a_response_moves_the_deadline_set_at_receipt_whatever_the_setting_is_now(app, people):
    notice = submitted_on(people, date(2026, 11, 2))
    assert notice.review_deadline == date(2026, 12, 2)
    request_info(notice, people.reviewer, today=date(2026, 11, 20), reply_by=date(2026, 12, 4))
    db.session.commit()

    app.config["REVIEW_BUSINESS_DAYS"] = 30  # changed by the operator meanwhile
    respond(notice, people.provider_a_user, now=at_jst(date(2026, 11, 25), 10))
    db.session.commit()

    # Two business days stopped (the 20th and the 24th): 2 December moves to 4 December.
    assert (notice.paused_business_days, notice.review_deadline) == (2, date(2026, 12, 4))


def test_a_request_the_evening_before_an_after_hours_receipt_stops_from_the_day_after(people):
    # Filed on Friday 27 November 2026 at 18:00 JST: received on Monday 30 November.
    notice = submitted_notice(people.provider_a_user, now=at_jst(date(2026, 11, 27), 18))
    take(notice, people.reviewer)
    assert notice.receipt_date == date(2026, 11, 30)

    request = request_info(
        notice, people.reviewer, today=date(2026, 11, 27), reply_by=date(2026, 12, 14)
    )
    assert request.paused_from == date(2026, 12, 1)
    respond(notice, people.provider_a_user, now=at_jst(date(2026, 11, 30), 10))
    db.session.commit()

    assert notice.paused_business_days == 0
    assert notice.review_deadline == date(2026, 12, 28)


def test_a_pause_across_the_year_end_skips_the_closure(people):
    # Received Tuesday 1 December 2026: the deadline is Monday 4 January 2027, the first
    # business day after the year-end closure (29 December to 3 January).
    notice = submitted_on(people, date(2026, 12, 1))
    assert notice.review_deadline == date(2027, 1, 4)

    # Asked on Friday 25 December, answered on Wednesday 6 January: paused on 12-25, 12-28,
    # 01-04 and 01-05, four business days.
    request_info(notice, people.reviewer, today=date(2026, 12, 25), reply_by=date(2027, 1, 15))
    db.session.commit()
    assert calendar.business_days_between(date(2026, 12, 24), date(2027, 1, 5)) == 4
    request = respond(notice, people.provider_a_user, now=at_jst(date(2027, 1, 6), 9))
    db.session.commit()

    assert request.paused_business_days == 4
    assert notice.paused_business_days == 4
    # 4 January + 4 business days; Monday 11 January (Coming of Age Day) is not reached.
    assert (
        notice.review_deadline
        == date(2027, 1, 8)
        == calendar.add_business_days(date(2027, 1, 4), 4)
    )


def test_pauses_add_up_over_several_requests(people):
    notice = submitted_on(people, date(2026, 11, 2))
    request_info(notice, people.reviewer, today=date(2026, 11, 20), reply_by=date(2026, 12, 4))
    respond(notice, people.provider_a_user, now=at_jst(date(2026, 11, 25)))
    request_info(notice, people.reviewer, today=date(2026, 12, 25), reply_by=date(2027, 1, 15))
    respond(notice, people.provider_a_user, now=at_jst(date(2027, 1, 6)))
    db.session.commit()

    assert notice.paused_business_days == 6
    assert (
        notice.review_deadline
        == date(2026, 12, 10)
        == calendar.review_deadline(date(2026, 11, 2), 20, 6)
    )
    assert [v.number for v in notice.versions] == [1, 2, 3]
    assert [
        r.paused_business_days
        for r in db.session.scalars(select(InformationRequest).order_by(InformationRequest.id))
    ] == [2, 4]


def test_an_answer_on_the_day_of_the_request_pauses_nothing(people):
    notice = submitted_on(people, date(2026, 11, 2))
    deadline = notice.review_deadline
    request_info(notice, people.reviewer, today=date(2026, 11, 20), reply_by=date(2026, 12, 4))
    respond(notice, people.provider_a_user, now=at_jst(date(2026, 11, 20), 16))
    assert (notice.paused_business_days, notice.review_deadline) == (0, deadline)


@pytest.mark.parametrize("who", ["provider_b", "reviewer", "supervisor"])
def test_only_the_provider_responds(people, who):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    assert_refused(notice, lambda: respond(notice, getattr(people, who)), NotPermitted)


def test_another_user_of_the_provider_may_respond(people):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    respond(notice, people.provider_a_admin)
    assert notice.status == Status.UNDER_REVIEW


@pytest.mark.parametrize("message", ["", "  "])
def test_a_response_says_something(people, message):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    assert_refused(notice, lambda: respond(notice, people.provider_a_user, message=message))


@pytest.mark.parametrize("message", ["", "An answer to nothing."])
def test_a_response_with_no_request_open_is_refused_for_that_reason(people, message):
    # Not "write a response": whatever it says, there is nothing to respond to.
    notice = notice_at(Status.UNDER_REVIEW, people)
    refused = assert_refused(
        notice, lambda: respond(notice, people.provider_a_user, message=message)
    )
    assert (refused.status, refused.reason) == (Status.UNDER_REVIEW, None)


# --- decisions ------------------------------------------------------------------------------


def test_the_handler_proposes_a_decision(people):
    notice = notice_at(Status.UNDER_REVIEW, people)

    decision = propose(notice, people.reviewer, outcome="return", reasons="Key custody unclear.")
    db.session.commit()

    assert notice.status == Status.DECISION_PROPOSED
    assert (decision.outcome, decision.reasons) == (Outcome.RETURN, "Key custody unclear.")
    assert decision.proposed_by_id == people.reviewer.id
    assert decision.verdict is None
    assert notice.decided_at is None
    assert ops.pending_decision(notice) == decision
    event = last_event(notice)
    assert (event.action, event.to_status, event.comment) == (
        "propose_decision",
        "decision_proposed",
        "Key custody unclear.",
    )


def test_a_reviewer_who_is_not_the_handler_may_not_propose(people, second_reviewer):
    notice = notice_at(Status.UNDER_REVIEW, people)
    assert_refused(notice, lambda: propose(notice, second_reviewer), NotPermitted)


@pytest.mark.parametrize("reasons", ["", " "])
def test_a_proposal_gives_its_reasons(people, reasons):
    notice = notice_at(Status.UNDER_REVIEW, people)
    assert_refused(notice, lambda: propose(notice, people.reviewer, reasons=reasons))


@pytest.mark.parametrize(
    ("outcome", "status"), [("accept", Status.ACCEPTED), ("return", Status.RETURNED)]
)
def test_a_different_supervisor_confirms(people, outcome, status):
    notice = notice_at(Status.UNDER_REVIEW, people)
    proposed = propose(notice, people.reviewer, outcome=outcome)
    now = at_jst(jst_today(), 15)

    decision = confirm(notice, people.supervisor, now=now)
    db.session.commit()

    db.session.expire_all()
    assert decision.id == proposed.id
    assert notice.status == status
    assert calendar.to_jst(notice.decided_at) == calendar.to_jst(now)
    assert (decision.verdict, decision.checked_by_id) == ("confirmed", people.supervisor.id)
    assert calendar.to_jst(decision.checked_at) == calendar.to_jst(now)
    event = last_event(notice)
    assert (event.action, event.from_status, event.to_status) == (
        "confirm_decision",
        "decision_proposed",
        str(status),
    )
    assert ops.pending_decision(notice) is None


def test_the_proposer_may_not_confirm_their_own_proposal_even_as_supervisor(
    people, second_supervisor
):
    notice = notice_at(Status.UNDER_REVIEW, people)
    propose(notice, people.supervisor)
    db.session.commit()

    refused = assert_refused(notice, lambda: confirm(notice, people.supervisor))
    assert "two people" in text(refused.reason)
    assert_refused(notice, lambda: send_back(notice, people.supervisor))

    confirm(notice, second_supervisor)
    assert notice.status == Status.ACCEPTED


def test_a_reviewer_may_not_confirm_or_send_back(people, second_reviewer):
    notice = notice_at(Status.DECISION_PROPOSED, people)
    assert_refused(notice, lambda: confirm(notice, second_reviewer), NotPermitted)
    assert_refused(notice, lambda: send_back(notice, second_reviewer), NotPermitted)


@pytest.mark.parametrize("comment", ["", "  "])
def test_sending_back_says_why(people, comment):
    notice = notice_at(Status.DECISION_PROPOSED, people)
    assert_refused(notice, lambda: send_back(notice, people.supervisor, comment=comment))


def test_a_proposal_sent_back_returns_to_review_and_a_new_one_can_be_confirmed(
    people, second_supervisor
):
    notice = notice_at(Status.DECISION_PROPOSED, people)
    first = ops.pending_decision(notice)

    send_back(notice, people.supervisor, comment="Check the HSM certificate.")
    db.session.commit()

    assert notice.status == Status.UNDER_REVIEW
    assert (first.verdict, first.check_comment) == ("sent_back", "Check the HSM certificate.")
    assert first.checked_by_id == people.supervisor.id
    assert ops.pending_decision(notice) is None
    event = last_event(notice)
    assert (event.action, event.to_status, event.comment) == (
        "send_back",
        "under_review",
        "Check the HSM certificate.",
    )

    second = propose(notice, people.reviewer, outcome="return", reasons="Certificate expired.")
    confirm(notice, second_supervisor)
    db.session.commit()
    assert notice.status == Status.RETURNED
    assert (second.verdict, first.verdict) == ("confirmed", "sent_back")


# --- withdrawing ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", UNDECIDED)
def test_the_provider_withdraws_an_undecided_notice(people, status):
    notice = notice_at(status, people)

    withdraw(notice, people.provider_a_user, reason="Service cancelled.")
    db.session.commit()

    assert notice.status == Status.WITHDRAWN
    event = last_event(notice)
    assert (event.action, event.from_status, event.to_status, event.comment) == (
        "withdraw",
        str(status),
        "withdrawn",
        "Service cancelled.",
    )
    assert event.actor_id == people.provider_a_user.id


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.RETURNED, Status.WITHDRAWN])
def test_a_decided_or_withdrawn_notice_cannot_be_withdrawn(people, status):
    notice = notice_at(status, people)
    assert_refused(notice, lambda: withdraw(notice, people.provider_a_user))


@pytest.mark.parametrize("attempt", ["by staff", "by another provider", "without a reason"])
def test_withdrawing_is_for_the_provider_with_a_reason(people, attempt):
    notice = notice_at(Status.UNDER_REVIEW, people)
    user, reason, refusal = {
        "by staff": (people.reviewer, "Duplicate.", NotPermitted),
        "by another provider": (people.provider_b, "Duplicate.", NotPermitted),
        "without a reason": (people.provider_a_user, "  ", TransitionRefused),
    }[attempt]
    assert_refused(notice, lambda: withdraw(notice, user, reason=reason), refusal)


# --- every refused step changes nothing -----------------------------------------------------

STEPS = {
    "take": lambda n, p: take(n, p.reviewer),
    "assign": lambda n, p: assign(n, p.supervisor, p.reviewer),
    "request_information": lambda n, p: request_info(n, p.supervisor),
    "respond": lambda n, p: respond(n, p.provider_a_user),
    "propose_decision": lambda n, p: propose(n, p.supervisor),
    "confirm_decision": lambda n, p: confirm(n, p.checker),
    "send_back": lambda n, p: send_back(n, p.checker),
    "withdraw": lambda n, p: withdraw(n, p.provider_a_user),
}
ALLOWED_FROM = {
    "take": {Status.SUBMITTED},
    "assign": {Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED},
    "request_information": {Status.UNDER_REVIEW},
    "respond": {Status.INFORMATION_REQUESTED},
    "propose_decision": {Status.UNDER_REVIEW},
    "confirm_decision": {Status.DECISION_PROPOSED},
    "send_back": {Status.DECISION_PROPOSED},
    "withdraw": set(UNDECIDED),
}
REFUSED = [
    pytest.param(
        step,
        status,
        id=f"{step}-{status}",
    )
    for step in STEPS
    for status in Status
    if status not in ALLOWED_FROM[step]
]


@pytest.mark.parametrize(("step", "status"), REFUSED)
def test_a_step_the_status_does_not_allow_is_refused_and_changes_nothing(
    people, second_supervisor, step, status
):
    people.checker = second_supervisor
    notice = notice_at(status, people)
    assert_refused(notice, lambda: STEPS[step](notice, people))


@pytest.mark.parametrize("step", list(STEPS))
def test_a_step_from_a_stale_version_writes_nothing_and_names_the_last_change(
    people, second_supervisor, step
):
    people.checker = second_supervisor
    status = min(ALLOWED_FROM[step] - {Status.SUBMITTED} or ALLOWED_FROM[step])
    notice = notice_at(status, people)
    seen = notice.version
    # Someone else changes the notice without changing its status (as a reassignment does).
    db.session.execute(
        Notice.__table__.update().where(Notice.id == notice.id).values(version=seen + 1)
    )
    db.session.commit()
    before = state_of(notice.id)
    assert before["notice"][0]["version"] == seen + 1

    with pytest.raises(StaleNotice) as stale:
        _with_expected_version(step, notice, people, seen)

    db.session.rollback()
    assert state_of(notice.id) == before
    assert stale.value.notice_id == notice.id
    assert stale.value.last_event.id == events_of(notice.id)[-1].id


def _with_expected_version(step, notice, people, version):
    common = {"expected_version": version}
    if step == "take":
        ops.take_notice(notice, people.reviewer, **common)
    elif step == "assign":
        ops.assign_notice(notice, people.supervisor, people.reviewer, **common)
    elif step == "request_information":
        ops.request_information(
            notice,
            people.supervisor,
            comment="More.",
            today=jst_today(),
            reply_by=calendar.add_business_days(jst_today(), 10),
            **common,
        )
    elif step == "respond":
        from app.files import storage
        from tests.filing_helpers import rules

        ops.respond_to_request(
            notice,
            people.provider_a_user,
            message="Here.",
            files=[],
            now=calendar.utcnow(),
            storage=storage(),
            rules=rules(),
            **common,
        )
    elif step == "propose_decision":
        ops.propose_decision(notice, people.supervisor, outcome="accept", reasons="Fine.", **common)
    elif step == "confirm_decision":
        ops.confirm_decision(notice, people.checker, now=calendar.utcnow(), **common)
    elif step == "send_back":
        ops.send_back(notice, people.checker, comment="Again.", now=calendar.utcnow(), **common)
    else:
        from app.filing.operations import withdraw_notice

        withdraw_notice(notice, people.provider_a_user, reason="Stop.", **common)


# --- internal notes -------------------------------------------------------------------------


def test_internal_notes_are_staff_only_events(people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    version = notice.version

    ops.add_internal_note(notice, people.reviewer, "Compare with the 2024 incident report.")
    db.session.commit()

    note = last_event(notice)
    assert (note.action, note.internal, note.comment) == (
        "note",
        True,
        "Compare with the 2024 incident report.",
    )
    assert note.from_status is None and note.to_status is None
    assert notice.version == version  # a note is no change of the notice
    assert note in events_for(notice, include_internal=True)
    public = events_for(notice, include_internal=False)
    assert note not in public
    assert [e.action for e in public] == ["submit", "take"]
    assert all(not e.internal for e in public)


@pytest.mark.parametrize("who", ["provider_a_user", "provider_a_admin"])
def test_providers_write_no_internal_notes(people, who):
    notice = notice_at(Status.UNDER_REVIEW, people)
    assert_refused(
        notice, lambda: ops.add_internal_note(notice, getattr(people, who), "Hi"), NotPermitted
    )


def test_an_empty_note_is_refused(people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    assert_refused(notice, lambda: ops.add_internal_note(notice, people.reviewer, " \n"))


# --- two people, one notice -----------------------------------------------------------------


def take_events(notice_id):
    return db.session.scalar(
        select(func.count())
        .select_from(NoticeEvent)
        .where(NoticeEvent.notice_id == notice_id, NoticeEvent.action == "take")
    )


@pytest.fixture
def two_reviewers_on_one_page(app, client, auth, people, second_reviewer):
    """Both reviewers have the submitted notice open, each in their own browser."""
    notice = notice_at(Status.SUBMITTED, people)
    other = app.test_client()
    auth.login(client, people.reviewer)
    auth.login(other, second_reviewer)
    url = f"/review/notices/{notice.id}"
    versions = [version_on(c.get(url).get_data(as_text=True)) for c in (client, other)]
    assert versions == [notice.version] * 2
    return notice, client, other, versions[0]


def test_two_reviewers_take_at_once_one_wins_and_nothing_is_written_twice(
    two_reviewers_on_one_page, people
):
    notice, first, second, version = two_reviewers_on_one_page
    url = f"/review/notices/{notice.id}/take"

    won = first.post(url, data={"version": version})
    lost = second.post(url, data={"version": version})

    assert won.status_code == 303
    assert lost.status_code == 409
    db.session.expire_all()
    assert notice.handler_id == people.reviewer.id
    assert notice.version == version + 1
    assert take_events(notice.id) == 1
    assert db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.notice_id == notice.id, OutboxMessage.kind == "taken")
    ) == len(outbox.provider_recipients(notice))


def changed_by_someone_else(response, who, event):
    """The 409 page of a stale form: nothing saved, the last change, by whom and when."""
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed by someone else" in page
    assert "Nothing was saved" in page
    assert who.name in page
    assert calendar.to_jst(event.created_at).strftime("%Y-%m-%d %H:%M JST") in page


def test_two_supervisors_assign_from_the_same_page_the_second_is_told_who_came_first(
    app, client, auth, people, second_supervisor, second_reviewer
):
    notice = notice_at(Status.UNDER_REVIEW, people)
    other = app.test_client()
    auth.login(client, people.supervisor)
    auth.login(other, second_supervisor)
    url = f"/review/notices/{notice.id}"
    versions = [version_on(c.get(url).get_data(as_text=True)) for c in (client, other)]
    assert versions == [notice.version] * 2

    first = client.post(
        f"{url}/assign", data={"version": versions[0], "assignee": second_reviewer.id}
    )
    before = state_of(notice.id)
    second = other.post(
        f"{url}/assign", data={"version": versions[1], "assignee": people.supervisor.id}
    )

    assert first.status_code == 303
    assigned = events_of(notice.id)[-1]
    assert (assigned.action, assigned.actor_id) == ("assign", people.supervisor.id)
    changed_by_someone_else(second, people.supervisor, assigned)
    assert "Assigned" in second.get_data(as_text=True)
    assert state_of(notice.id) == before
    assert notice.handler_id == second_reviewer.id


@pytest.mark.parametrize("race", ["take after take", "request after reassignment"])
def test_whoever_acted_on_an_old_page_is_told_who_changed_it_and_when(
    app, client, auth, people, second_reviewer, race
):
    if race == "take after take":
        notice = notice_at(Status.SUBMITTED, people)
        winner, loser, user = people.reviewer, second_reviewer, people.reviewer
        first_post = ("take", {})
        second_post = ("take", {})
    else:
        notice = notice_at(Status.UNDER_REVIEW, people)
        winner, loser, user = people.supervisor, people.reviewer, people.supervisor
        first_post = ("assign", {"assignee": second_reviewer.id})
        second_post = (
            "request-information",
            {
                "comment": "More please.",
                "reply_by": calendar.add_business_days(jst_today(), 15).isoformat(),
            },
        )
    first, second = client, app.test_client()
    auth.login(first, winner)
    auth.login(second, loser)
    url = f"/review/notices/{notice.id}"
    version = version_on(second.get(url).get_data(as_text=True))

    assert (
        first.post(f"{url}/{first_post[0]}", data={"version": version, **first_post[1]}).status_code
        == 303
    )
    before = state_of(notice.id)
    lost = second.post(f"{url}/{second_post[0]}", data={"version": version, **second_post[1]})

    assert state_of(notice.id) == before
    changed_by_someone_else(lost, user, events_of(notice.id)[-1])


def test_two_threads_take_the_same_version_exactly_one_succeeds(app, people, second_reviewer):
    notice = notice_at(Status.SUBMITTED, people)
    notice_id, version = notice.id, notice.version
    reviewers = [people.reviewer.id, second_reviewer.id]
    db.session.remove()  # the test's own session holds nothing while the threads run
    barrier = threading.Barrier(2, timeout=30)
    outcomes = {}

    def take_in_own_session(user_id):
        with app.app_context():
            session = db.session()
            try:
                actor = session.get(User, user_id)
                mine = session.get(Notice, notice_id)
                assert (mine.status, mine.version) == (Status.SUBMITTED, version)
                # Keep what was read, then end the read transaction: a POST begins its
                # transaction with BEGIN IMMEDIATE on SQLite (app/database.py), and so do we.
                session.expire_on_commit = False
                session.commit()
                write_intent.set(True)
                barrier.wait()
                ops.take_notice(mine, actor, expected_version=version)
                session.commit()
                outcomes[user_id] = "took"
            except StaleNotice as stale:
                outcomes[user_id] = stale
            except Exception as error:  # reported below, with the thread it came from
                outcomes[user_id] = error
            finally:
                session.rollback()
                db.session.remove()

    threads = [
        threading.Thread(target=take_in_own_session, args=(user_id,)) for user_id in reviewers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(o).__name__ if not isinstance(o, str) else o for o in outcomes.values()) == [
        "StaleNotice",
        "took",
    ], outcomes
    winner = next(uid for uid, o in outcomes.items() if o == "took")
    stale = next(o for o in outcomes.values() if isinstance(o, StaleNotice))
    assert stale.notice_id == notice_id
    notice = db.session.get(Notice, notice_id)
    assert (notice.status, notice.handler_id, notice.version) == (
        Status.UNDER_REVIEW,
        winner,
        version + 1,
    )
    assert take_events(notice_id) == 1
    assert [e.sequence for e in events_of(notice_id)] == [1, 2]


def test_the_version_is_on_every_action_form(client, auth, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    auth.login(client, people.supervisor)
    page = client.get(f"/review/notices/{notice.id}").get_data(as_text=True)
    forms = re.findall(
        r'<form method="post" action="[^"]*/(take|assign|request-information|'
        r'propose-decision)"[^>]*>(.*?)</form>',
        page,
        re.S,
    )
    assert {name for name, _ in forms} == {"assign", "request-information", "propose-decision"}
    for _name, body in forms:
        assert version_on(body) == notice.version
