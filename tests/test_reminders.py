"""Reminders: a provider's reply-by date, an examiner's review deadline; each sent once,
in each recipient's language, by `flask reminders send` and by looping workers."""

import signal
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.mail.models import OutboxMessage
from app.reminders.models import Reminder
from app.reminders.operations import send_due
from tests.review_helpers import (
    business_days_before,
    confirm,
    notice_at,
    propose,
    respond,
    submitted_notice,
    take,
    withdraw,
)
from tests.test_worker import Worker, sink, wait_for_arrivals, worker_env  # noqa: F401

WITHIN = 3


def outbox(kind=None) -> list[OutboxMessage]:
    db.session.commit()  # a new transaction sees what others committed
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def open_request(notice):
    (request,) = [r for r in _requests(notice) if r.responded_at is None]
    return request


def _requests(notice):
    from app.review.models import InformationRequest

    return db.session.scalars(
        select(InformationRequest).where(InformationRequest.notice_id == notice.id)
    ).all()


def test_a_reply_by_date_near_reminds_the_provider_once_in_each_language(app, people):
    people.provider_a_admin.locale = "ja"
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    request = open_request(notice)
    today = business_days_before(request.reply_by, 2)

    first = send_due(today, WITHIN)
    again = send_due(today, WITHIN)
    next_day = send_due(calendar.next_business_day(today), WITHIN)

    assert first["reply_due"] == 1 and again["reply_due"] == 0 and next_day["reply_due"] == 0
    messages = {m.recipient: m for m in outbox("reply_due")}
    assert set(messages) == {
        people.provider_a_user.email,
        people.provider_a_admin.email,
        people.org_a.contact_email,
    }
    english = messages[people.provider_a_user.email]
    assert notice.receipt_number in english.subject
    assert f"is due by {request.reply_by}" in english.body
    assert "2 business days are left." in english.body
    assert request.comment in english.body
    japanese = messages[people.provider_a_admin.email]
    assert japanese.language == "ja"
    assert "回答期限" in japanese.body and notice.receipt_number in japanese.subject
    # Nobody else's notice, nor the staff, hears of it.
    assert people.provider_b.email not in messages and people.reviewer.email not in messages


def test_no_reminder_before_its_time_nor_after_the_answer(app, people):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    request = open_request(notice)

    early = send_due(business_days_before(request.reply_by, WITHIN + 1), WITHIN)
    respond(notice, people.provider_a_user)
    db.session.commit()
    answered = send_due(request.reply_by, WITHIN)

    assert early["reply_due"] == 0 and answered["reply_due"] == 0
    assert outbox("reply_due") == []


def test_an_overdue_reply_tells_the_handler_once_not_the_provider(app, people):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    request = open_request(notice)
    after = request.reply_by + timedelta(days=1)

    first = send_due(after, WITHIN)
    again = send_due(after, WITHIN)
    next_day = send_due(calendar.next_business_day(after), WITHIN)

    assert first["reply_overdue"] == 1 and first["reply_due"] == 0 and first["messages"] == 1
    assert again["reply_overdue"] == 0 and next_day["reply_overdue"] == 0
    (message,) = outbox("reply_overdue")
    assert message.recipient == people.reviewer.email and message.notice_id == notice.id
    assert notice.receipt_number in message.subject
    assert f"The reply-by date was {request.reply_by} and has passed." in message.body
    assert request.comment in message.body and "Rina Reviewer" in message.body


@pytest.mark.parametrize("why", ["unassigned", "handler disabled"])
def test_an_overdue_reply_without_a_handler_tells_the_supervisors_in_their_language(
    app, people, why
):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    if why == "unassigned":
        notice.handler_id = None  # no operation does this today; the rule must hold anyway
    else:
        people.reviewer.active = False
    people.supervisor.locale = "ja"
    db.session.commit()

    sent = send_due(open_request(notice).reply_by + timedelta(days=1), WITHIN)

    assert sent["reply_overdue"] == 1
    (message,) = outbox("reply_overdue")
    assert message.recipient == people.supervisor.email and message.language == "ja"
    assert "回答期限" in message.body and notice.receipt_number in message.subject


def test_no_overdue_reminder_before_the_date_has_passed_nor_once_answered(app, people):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    request = open_request(notice)

    on_the_day = send_due(request.reply_by, WITHIN)
    respond(notice, people.provider_a_user)
    db.session.commit()
    answered = send_due(request.reply_by + timedelta(days=1), WITHIN)

    assert on_the_day["reply_due"] == 1 and on_the_day["reply_overdue"] == 0
    assert answered["reply_overdue"] == 0
    assert outbox("reply_overdue") == []


def test_no_overdue_reminder_for_a_withdrawn_or_decided_notice(app, people):
    withdrawn = notice_at(Status.INFORMATION_REQUESTED, people)
    unanswered = open_request(withdrawn)  # the provider withdrew instead of answering
    withdraw(withdrawn, people.provider_a_user)
    decided = notice_at(Status.INFORMATION_REQUESTED, people)
    answered = open_request(decided)
    respond(decided, people.provider_a_user)
    propose(decided, people.reviewer)
    confirm(decided, people.supervisor)
    db.session.commit()
    assert unanswered.responded_at is None and decided.status == Status.ACCEPTED

    later = max(unanswered.reply_by, answered.reply_by) + timedelta(days=1)
    sent = send_due(later, WITHIN)

    assert sent["reply_overdue"] == 0
    assert outbox("reply_overdue") == []


def test_a_near_deadline_reminds_the_handler_and_an_unassigned_one_the_supervisors(app, people):
    handled = submitted_notice(people.provider_a_user)
    take(handled, people.reviewer)
    unassigned = submitted_notice(people.provider_a_user)
    db.session.commit()
    today = business_days_before(handled.review_deadline, 1)

    sent = send_due(today, WITHIN)

    assert sent["deadline_near"] == 2 and sent["deadline_passed"] == 0
    to = {(m.notice_id, m.recipient) for m in outbox("deadline_near")}
    assert to == {
        (handled.id, people.reviewer.email),
        (unassigned.id, people.supervisor.email),
    }
    body = next(m.body for m in outbox("deadline_near") if m.notice_id == handled.id)
    assert "1 business day is left." in body and "Rina Reviewer" in body


def test_a_passed_deadline_tells_the_handler_and_the_supervisors_once(app, people):
    notice = submitted_notice(people.provider_a_user)
    take(notice, people.reviewer)
    db.session.commit()
    after = calendar.next_business_day(notice.review_deadline)

    send_due(after, WITHIN)
    send_due(calendar.next_business_day(after), WITHIN)

    recipients = sorted(m.recipient for m in outbox("deadline_passed"))
    assert recipients == sorted([people.reviewer.email, people.supervisor.email])
    assert "has passed" in outbox("deadline_passed")[0].body


def test_a_deadline_that_moves_is_a_new_reminder(app, people):
    notice = submitted_notice(people.provider_a_user)
    take(notice, people.reviewer)
    db.session.commit()
    send_due(notice.review_deadline, WITHIN)
    # The clock stood still for an information request: the deadline is later now.
    notice.review_deadline = calendar.add_business_days(notice.review_deadline, 5)
    db.session.commit()

    sent = send_due(notice.review_deadline, WITHIN)

    assert sent["deadline_near"] == 1
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 2


def test_a_decided_or_withdrawn_notice_needs_no_reminder(app, people):
    accepted = notice_at(Status.ACCEPTED, people)
    withdrawn = notice_at(Status.WITHDRAWN, people)

    sent = send_due(accepted.review_deadline + timedelta(days=3), WITHIN)
    sent_too = send_due(withdrawn.review_deadline, WITHIN)

    assert sent["messages"] == 0 and sent_too["messages"] == 0


def test_the_command_sends_the_days_reminders_and_says_how_many(app, runner, people):
    notice = submitted_notice(people.provider_a_user)
    db.session.commit()
    day = notice.review_deadline.isoformat()

    first = runner.invoke(args=["reminders", "send", "--today", day])
    second = runner.invoke(args=["reminders", "send", "--today", day])
    bad = runner.invoke(args=["reminders", "send", "--today", "26/11/2026"])

    assert first.exit_code == 0, first.output
    assert "1 deadline near" in first.output and "1 messages" in first.output
    assert "0 deadline near" in second.output and "0 messages" in second.output
    assert bad.exit_code == 2
    assert len(outbox("deadline_near")) == 1


def test_two_looping_workers_send_the_days_reminders_once(worker_env, sink, people):  # noqa: F811
    port, inbox = sink
    # Due today in Japan, as the workers see it.
    today = calendar.to_jst(calendar.utcnow()).date()
    notice = submitted_notice(people.provider_a_user)
    notice.review_deadline = calendar.business_day_on_or_after(today)
    db.session.execute(delete(OutboxMessage))  # the submission's own mail is not the point
    db.session.commit()
    workers = [Worker(worker_env, "--poll", "0.2") for _ in range(2)]
    try:
        wait_for_arrivals(inbox, 1)
    finally:
        for worker in workers:
            worker.process.send_signal(signal.SIGTERM)
    sent = [worker.finish() for worker in workers]

    assert [a.message["To"] for a in inbox.arrivals] == [people.supervisor.email]
    assert sum(sent) == 1
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 1
