"""The public register: what a spreadsheet program receives, the provider as filed, the
type of each notice and the services discontinued since."""

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.accounts.operations import update_organisation
from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.filing.models import Notice, NoticeType
from app.filing.snapshot import provider_section
from app.paging import text_matches
from app.public import register as public_register
from app.review.queue import SEARCH_INDEXES
from tests.conftest import BACKEND
from tests.factories import valid_corporate_number
from tests.review_helpers import filed_notice, notice_at

EN = {"Accept-Language": "en"}


def accepted(people, system_name):
    notice = filed_notice(
        people.org_b,
        people.provider_b,
        status=Status.ACCEPTED,
        system_name=system_name,
        decided_at=calendar.utcnow(),
    )
    db.session.commit()
    return notice


def test_the_csv_says_its_type_and_charset_once_and_starts_with_a_byte_order_mark(client, people):
    notice = accepted(people, "カストディ基盤")

    response = client.get("/register.csv")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=register.csv"
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert [(row["receipt_number"], row["system_name"]) for row in rows] == [
        (notice.receipt_number, "カストディ基盤")
    ]


def test_a_name_that_looks_like_a_formula_is_written_as_text(client, people):
    accepted(people, '=HYPERLINK("http://example.com")')

    body = client.get("/register.csv").get_data().decode("utf-8").removeprefix("\ufeff")

    (row,) = csv.DictReader(io.StringIO(body))
    assert row["system_name"] == '\'=HYPERLINK("http://example.com")'
    entries = json.loads(client.get("/register.json").get_data())["entries"]
    assert [e["system_name"] for e in entries] == ['=HYPERLINK("http://example.com")']


# --- the provider as filed -------------------------------------------------------------


def rename(organisation, admin, name_ja, name_en):
    """The provider administrator's profile edit (the /organisation page)."""
    profile = {**provider_section(organisation), "name_ja": name_ja, "name_en": name_en}
    update_organisation(organisation, profile, by=admin)
    db.session.commit()


def csv_rows(client, **query):
    body = client.get("/register.csv", query_string=query).get_data().decode("utf-8")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def json_entries(client, **query):
    return json.loads(client.get("/register.json", query_string=query).get_data())["entries"]


def test_a_renamed_provider_s_notices_stay_listed_under_the_name_filed(client, people):
    notice = notice_at(Status.ACCEPTED, people)
    filed_ja, filed_en = people.org_a.name_ja, people.org_a.name_en
    rename(people.org_a, people.provider_a_admin, "改名後株式会社", "Renamed K.K.")

    page = client.get("/register", headers=EN).get_data(as_text=True)
    assert filed_ja in page and filed_en in page
    assert "改名後株式会社" not in page and "Renamed K.K." not in page
    for entries in (csv_rows(client), json_entries(client)):
        assert [
            (e["receipt_number"], e["provider_name_ja"], e["provider_name_en"]) for e in entries
        ] == [(notice.receipt_number, filed_ja, filed_en)]
    # A search compares the name filed too.
    assert [e["receipt_number"] for e in json_entries(client, q=filed_en)] == [
        notice.receipt_number
    ]
    assert json_entries(client, q="Renamed") == []


def test_new_identifiers_in_the_profile_do_not_change_the_register(client, people):
    notice = notice_at(Status.ACCEPTED, people)
    filed = people.org_a.corporate_number
    people.org_a.corporate_number = valid_corporate_number()
    db.session.commit()

    (entry,) = json_entries(client)
    assert (entry["corporate_number"], entry["lei"]) == (filed, None)
    assert [e["receipt_number"] for e in json_entries(client, q=filed)] == [notice.receipt_number]
    assert json_entries(client, q=people.org_a.corporate_number) == []


# --- the type of notice, and services discontinued since --------------------------------


def accepted_at(people, decided_at, **values):
    return filed_notice(
        people.org_b, people.provider_b, status=Status.ACCEPTED, decided_at=decided_at, **values
    )


def service_and_its_end(people):
    """A new service, a change to it and its discontinuation, all accepted; a second
    discontinuation of it still under review."""
    now = calendar.utcnow()
    service = accepted_at(people, now - timedelta(days=30), planned_date=date(2026, 1, 5))
    change = accepted_at(
        people,
        now - timedelta(days=20),
        notice_type=NoticeType.CHANGE,
        refers_to_id=service.id,
        planned_date=date(2026, 3, 2),
    )
    end = accepted_at(
        people,
        now - timedelta(days=10),
        notice_type=NoticeType.DISCONTINUATION,
        refers_to_id=service.id,
        planned_date=date(2026, 9, 30),
    )
    filed_notice(
        people.org_b,
        people.provider_b,
        status=Status.UNDER_REVIEW,
        notice_type=NoticeType.DISCONTINUATION,
        refers_to_id=change.id,
    )
    db.session.commit()
    return service, change, end


def test_the_downloads_give_the_type_the_earlier_notice_and_the_planned_date(client, people):
    service, change, end = service_and_its_end(people)

    expected = [
        (end.receipt_number, "discontinuation", service.receipt_number, "2026-09-30", ""),
        (change.receipt_number, "change", service.receipt_number, "2026-03-02", ""),
        (service.receipt_number, "new", "", "2026-01-05", end.receipt_number),
    ]
    fields = ("receipt_number", "notice_type", "refers_to", "planned_date", "discontinued_by")
    rows = csv_rows(client)
    assert list(rows[0])[-4:] == list(fields[1:])  # added at the end
    assert [tuple(row[f] for f in fields) for row in rows] == expected
    assert [tuple(e[f] or "" for f in fields) for e in json_entries(client)] == expected


def test_the_page_says_the_type_and_marks_a_discontinued_service(client, people):
    service, change, end = service_and_its_end(people)

    page = client.get("/register", headers=EN).get_data(as_text=True)
    rows = dict(re.findall(r"<tr><td>(AN-[\d-]+)</td>(.*?)</tr>", page, re.S))
    assert "New service" in rows[service.receipt_number]
    assert "Planned start: 2026-01-05" in rows[service.receipt_number]
    assert f"Discontinued — {end.receipt_number}" in rows[service.receipt_number]
    assert "Material change to a notified service" in rows[change.receipt_number]
    assert f"refers to {service.receipt_number}" in rows[change.receipt_number]
    assert "Discontinued" not in rows[change.receipt_number]  # its end is under review
    assert "Planned end: 2026-09-30" in rows[end.receipt_number]

    # In the reader's language, in the words the filing form uses.
    page = client.get("/register", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "サービスの廃止" in page and "新規サービスの提供" in page


@pytest.mark.skipif(BACKEND != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_a_search_of_the_register_is_answered_by_trigram_indexes(app):
    """Every column the search compares has a trigram index, so that with sequential scans
    ruled out the planner reads the matches (one column without would mean reading every
    accepted notice)."""
    query = select(Notice.id).where(text_matches("vault", *public_register.SEARCHED))
    sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = connection.exec_driver_sql("EXPLAIN " + sql.replace("%", "%%"))
        text = "\n".join(str(row[0]) for row in plan)
    for index in public_register.SEARCH_INDEXES | SEARCH_INDEXES:
        assert index in text, text
