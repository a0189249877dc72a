"""Search, filter, sort and paging parameters cannot inject SQL.

Classic payloads go to every parameter of the review queue, the provider dashboard and the
public register (HTML, CSV, JSON): each answers 200 or 400, never an error, a payload in the
search finds nothing rather than everything, and no row changes. ``make security`` runs
sqlmap against the same parameters (scripts/sqlmap-check.sh).
"""

import json

import pytest
from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.filing.models import Notice, ReceiptCounter
from tests.review_helpers import filed_notice

PAYLOADS = [
    "' OR 1=1--",
    "' OR '1'='1",
    '" OR ""="',
    "1; DROP TABLE notices",
    "id;DROP TABLE notices",
    "deadline desc, (SELECT 1)",
    "1 UNION SELECT name FROM sqlite_master--",
    "1' AND SLEEP(5)--",
    "1' || pg_sleep(5)--",
    "%' --",
    "\\",
    "x\x00' OR 1=1--",
    "-1",
    "99999999999999999999",
]
QUEUE_PARAMS = ("status", "type", "handler", "due_within", "overdue", "q", "sort", "after")
DASHBOARD_PARAMS = ("status", "q", "after")
REGISTER_URLS = ("/register", "/register.csv", "/register.json")


@pytest.fixture
def filed(people):
    """An open notice for the queue and an accepted one for the register."""
    open_notice = filed_notice(people.org_a, people.provider_a_user, system_name="OpenVault")
    accepted = filed_notice(
        people.org_b,
        people.provider_b,
        status=Status.ACCEPTED,
        system_name="AcceptedVault",
        decided_at=calendar.utcnow(),
    )
    db.session.commit()
    return open_notice, accepted


def everything() -> list:
    """Every row the payloads could change, as plain values."""
    db.session.commit()  # read afresh
    return [
        db.session.execute(select(Notice.id, Notice.status, Notice.receipt_number)).all(),
        db.session.execute(select(User.id, User.email, User.role)).all(),
        db.session.execute(select(Organisation.id, Organisation.name_ja)).all(),
        db.session.execute(select(ReceiptCounter.year, ReceiptCounter.last_number)).all(),
    ]


def assert_answered(response):
    assert response.status_code in (200, 400), response.status_code
    assert "Something went wrong" not in response.text


@pytest.mark.parametrize("param", QUEUE_PARAMS)
def test_the_queue_answers_payloads_in_every_parameter_and_changes_nothing(
    client, auth, people, filed, param
):
    auth.login(client, people.reviewer)
    before = everything()

    for payload in PAYLOADS:
        response = client.get("/review/", query_string={"status": "all", param: payload})

        assert_answered(response)
        if param == "q":  # the payload is searched for as text, and matches nothing
            assert "OpenVault" not in response.text
    assert everything() == before


@pytest.mark.parametrize("sort", ["id;DROP TABLE notices", "id", "status", "deadline desc"])
def test_an_unknown_sort_key_orders_by_the_deadline(client, auth, people, filed, sort):
    auth.login(client, people.reviewer)

    response = client.get("/review/", query_string={"sort": sort})
    default = client.get("/review/")

    assert response.status_code == 200
    assert "OpenVault" in response.text
    assert response.text.count("OpenVault") == default.text.count("OpenVault")


@pytest.mark.parametrize("param", DASHBOARD_PARAMS)
def test_the_dashboard_answers_payloads_in_every_parameter_and_changes_nothing(
    client, auth, people, filed, param
):
    auth.login(client, people.provider_a_user)
    before = everything()

    for payload in PAYLOADS:
        response = client.get("/notices/", query_string={param: payload})

        assert_answered(response)
        if param == "q":  # a payload is searched for as text, and no system is called that
            assert "OpenVault" not in response.text
        else:  # an unknown status or cursor shows the first page of every notice
            assert "OpenVault" in response.text
        assert "AcceptedVault" not in response.text  # provider B's
    assert everything() == before


@pytest.mark.parametrize("url", REGISTER_URLS)
@pytest.mark.parametrize("param", ["q", "after"])
def test_the_public_register_answers_payloads_and_changes_nothing(client, filed, url, param):
    before = everything()

    for payload in PAYLOADS:
        response = client.get(url, query_string={param: payload})

        assert_answered(response)
        if param == "q":
            assert "AcceptedVault" not in response.text
    assert everything() == before


def test_the_register_lists_what_a_plain_search_finds(client, filed):
    """The payload checks above would pass on an empty page; this one shows they need not."""
    found = client.get("/register.json", query_string={"q": "AcceptedVault"})

    assert [e["system_name"] for e in json.loads(found.text)["entries"]] == ["AcceptedVault"]


@pytest.mark.parametrize("url", REGISTER_URLS)
def test_a_nul_in_the_search_is_dropped_not_sent_to_the_database(client, filed, url):
    response = client.get(url, query_string={"q": "Accepted\x00Vault"})

    assert response.status_code == 200
    assert "AcceptedVault" in response.text
