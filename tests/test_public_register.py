"""The public register's downloads: what a spreadsheet program receives."""

import csv
import io
import json

from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from tests.review_helpers import filed_notice


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
