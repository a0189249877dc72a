"""Lists cost the same number of SQL statements for a few rows or a full page.

An N+1 (a lazy load per row: the provider, the handler, a column left out of a narrow
load) would show here as statements growing with the rows. The queue has its own test
in test_queue.py; the receipt download in test_acknowledgements.py.
"""

import itertools
import re

from app.domain.workflow import Status
from app.extensions import db
from tests.conftest import BACKEND, counting_statements
from tests.review_helpers import filed_notice

# The sign-in session with its user and organisation, the count, the page of notices
# (and on SQLite the BEGIN of app/database.py).
DASHBOARD_STATEMENTS = {"sqlite": 4, "postgresql": 3}
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
