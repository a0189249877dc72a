"""Lists cost the same number of SQL statements for a few rows or a full page.

An N+1 (a lazy load per row: the provider, the handler, a column left out of a narrow
load) would show here as statements growing with the rows. The queue has its own test
in test_queue.py; the receipt download in test_acknowledgements.py.
"""

import itertools
import re
from datetime import timedelta

from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.filing.models import NoticeType
from app.review.models import InformationRequest
from tests.conftest import BACKEND, counting_statements
from tests.review_helpers import business_days_before, filed_notice, jst_today

# The sign-in session with its user and organisation, the count, the page of notices
# (and on SQLite the BEGIN of app/database.py).
DASHBOARD_STATEMENTS = {"sqlite": 4, "postgresql": 3}
# The page of the register (and on SQLite the BEGIN of app/database.py).
REGISTER_STATEMENTS = {"sqlite": 2, "postgresql": 1}
ROW = re.compile(r"<tr>\s*<td")
STATUSES = itertools.cycle(
    [
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.INFORMATION_REQUESTED,
        Status.DECISION_PROPOSED,
        Status.ACCEPTED,
        Status.RETURNED,
        Status.WITHDRAWN,
    ]
)


def file_some(people, count):
    for _ in range(count):
        filed_notice(people.org_a, people.provider_a_user, status=next(STATUSES))
    db.session.commit()


def dashboard_rows(client) -> tuple[int, list[str]]:
    with counting_statements() as statements:
        page = client.get("/notices/").get_data(as_text=True)
    return len(ROW.findall(page)), statements


def test_the_dashboard_costs_the_same_statements_for_3_or_60_notices(signed_in, people):
    file_some(people, 3)
    signed_in.get("/notices/")  # the session's last-seen time is touched at most once a minute
    few, few_statements = dashboard_rows(signed_in)
    assert few == 3

    file_some(people, 57)
    many, many_statements = dashboard_rows(signed_in)
    assert many == 50  # one page
    assert len(many_statements) == len(few_statements), "\n\n".join(many_statements)
    assert len(few_statements) == DASHBOARD_STATEMENTS[BACKEND], "\n\n".join(few_statements)
    # A narrow load: the rows do not carry the notices' long texts.
    page_query = next(s for s in many_statements if "ORDER BY" in s)
    assert "notices.description" not in page_query


# The sign-in session with its user, the overdue notices listed, both overdue counts (one
# statement), the decisions of the last 90 days, the open notices per handler, the status
# counters (and on SQLite the BEGIN of app/database.py).
OVERVIEW_STATEMENTS = {"sqlite": 7, "postgresql": 6}


def overdue_some(people, count):
    """``count`` notices past the review deadline and as many past a reply-by date."""
    today = jst_today()
    for _ in range(count):
        filed_notice(
            people.org_a,
            people.provider_a_user,
            status=Status.UNDER_REVIEW,
            handler=people.reviewer,
            deadline=business_days_before(today, 2),
        )
        waiting = filed_notice(
            people.org_a,
            people.provider_a_user,
            status=Status.INFORMATION_REQUESTED,
            handler=people.supervisor,
        )
        db.session.add(
            InformationRequest(
                notice_id=waiting.id,
                requested_by_id=people.reviewer.id,
                paused_from=today - timedelta(days=30),
                reply_by=today - timedelta(days=1),
                comment="Send the report.",
            )
        )
    db.session.commit()


def test_the_overview_costs_the_same_statements_for_2_or_60_overdue_notices(client, auth, people):
    auth.login(client, people.supervisor)
    overdue_some(people, 1)
    client.get("/review/overview")  # the session's last-seen time is touched at most once a minute
    with counting_statements() as few:
        page = client.get("/review/overview").get_data(as_text=True)
    assert "<dt>Past the review deadline</dt><dd>1</dd>" in page

    overdue_some(people, 29)
    with counting_statements() as many:
        page = client.get("/review/overview").get_data(as_text=True)
    assert "<dt>Past the review deadline</dt><dd>30</dd>" in page
    assert re.search(r"information request</dt><dd><a [^>]*>30</a>", page)

    assert len(many) == len(few), "\n\n".join(many)
    assert len(few) == OVERVIEW_STATEMENTS[BACKEND], "\n\n".join(few)


def accept_some(people, count):
    """``count`` accepted notices, every third a discontinuation of the one before it."""
    earlier = None
    for n in range(count):
        ends = earlier is not None and n % 3 == 2
        earlier = filed_notice(
            people.org_a,
            people.provider_a_user,
            status=Status.ACCEPTED,
            decided_at=calendar.utcnow(),
            notice_type=NoticeType.DISCONTINUATION if ends else NoticeType.NEW,
            refers_to_id=earlier.id if ends else None,
        )
    db.session.commit()


def register_rows(client) -> tuple[int, list[str]]:
    with counting_statements() as statements:
        page = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    return len(ROW.findall(page)), statements


def test_the_register_costs_one_statement_for_3_or_60_notices(client, people):
    """The earlier notice and the discontinuation that ended a service come with the page's
    own statement (and on SQLite the BEGIN of app/database.py)."""
    accept_some(people, 3)
    few, few_statements = register_rows(client)
    assert few == 3

    accept_some(people, 57)
    many, many_statements = register_rows(client)
    assert many == 50  # one page
    assert len(many_statements) == len(few_statements), "\n\n".join(many_statements)
    assert len(few_statements) == REGISTER_STATEMENTS[BACKEND], "\n\n".join(few_statements)
    assert "organisations" not in "\n".join(many_statements)  # the provider as filed
