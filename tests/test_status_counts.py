"""The queue's status counts are kept by database triggers: after every kind of change they
equal what counting the notices table says, and a rolled-back change leaves them alone."""

from sqlalchemy import func, select

from app.domain.workflow import Status
from app.extensions import db
from app.filing import operations as filing_ops
from app.filing.models import Notice
from app.review.models import NoticeStatusCount
from app.review.queue import status_counts
from tests.filing_helpers import complete_draft
from tests.review_helpers import filed_notice, notice_at, send_back, take

FILED = [s for s in Status if s != Status.DRAFT]


def kept() -> dict[str, int]:
    rows = db.session.execute(select(NoticeStatusCount.status, NoticeStatusCount.count))
    return {str(status): count for status, count in rows}


def counted() -> dict[str, int]:
    rows = db.session.execute(
        select(Notice.status, func.count())
        .where(Notice.status != Status.DRAFT)
        .group_by(Notice.status)
    )
    found = {str(status): count for status, count in rows}
    return {str(status): found.get(str(status), 0) for status in FILED}


def test_there_is_a_counter_for_every_filed_status_and_none_for_drafts(app):
    assert set(kept()) == {str(s) for s in FILED}


def test_every_transition_moves_the_counts(people):
    for status in Status:
        notice_at(status, people)
        assert kept() == counted()
    notice = notice_at(Status.DECISION_PROPOSED, people)
    send_back(notice, people.supervisor)  # proposed -> under review, the way back
    db.session.commit()
    assert kept() == counted()
    assert kept() == {
        "submitted": 1,
        "under_review": 2,
        "information_requested": 1,
        "decision_proposed": 1,
        "accepted": 1,
        "returned": 1,
        "withdrawn": 1,
    }


def test_drafts_are_not_counted_and_deleting_one_changes_nothing(people):
    before = kept()
    draft = complete_draft(people.provider_a_user)
    db.session.commit()
    assert kept() == before
    filing_ops.delete_draft(draft)
    db.session.commit()
    assert kept() == before == counted()


def test_a_rolled_back_change_leaves_the_counts_alone(people):
    notice = notice_at(Status.SUBMITTED, people)
    before = kept()
    take(notice, people.reviewer)
    db.session.flush()
    assert kept()["under_review"] == before["under_review"] + 1
    db.session.rollback()
    assert kept() == before == counted()


def test_the_queue_reads_the_counters(people):
    notice_at(Status.UNDER_REVIEW, people)
    notice_at(Status.ACCEPTED, people)
    counts = status_counts()
    assert counts["under_review"] == 1
    assert counts["accepted"] == 1
    assert counts["open"] == 1
    assert counts["all"] == 2


def test_notices_inserted_directly_are_counted(people):
    n = 3
    for _ in range(n):
        filed_notice(people.org_a, people.provider_a_user, status=Status.RETURNED)
    db.session.commit()
    assert kept()["returned"] == n == counted()["returned"]
