"""Searches typed on a Japanese keyboard: full-width letters, digits and dashes find what
their ASCII forms find, and the other way round, in the provider's dashboard and the
public register (the queue's are in test_queue.py)."""

from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from tests.review_helpers import filed_notice


def full_width(text: str) -> str:
    """``text`` as a Japanese keyboard in full-width mode types it (－ for -)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_the_dashboard_finds_a_full_width_receipt_number_and_system_name(signed_in, people):
    notice = filed_notice(people.org_a, people.provider_a_user, system_name="ColdVault")
    db.session.commit()
    for q in (full_width(notice.receipt_number), "ｃｏｌｄｖａｕｌｔ"):
        page = signed_in.get("/notices/", query_string={"q": q}).get_data(as_text=True)
        assert notice.receipt_number in page.split("<tbody>", 1)[-1], q


def test_the_register_finds_a_full_width_receipt_number_and_corporate_number(client, people):
    notice = filed_notice(
        people.org_a,
        people.provider_a_user,
        status=Status.ACCEPTED,
        decided_at=calendar.utcnow(),
        system_name="NorthStar",
    )
    db.session.commit()
    for q in (full_width(notice.receipt_number), full_width(people.org_a.corporate_number)):
        page = client.get("/register", query_string={"q": q}).get_data(as_text=True)
        assert notice.receipt_number in page, q


def test_the_dashboard_finds_a_full_width_system_name_typed_half_width(signed_in, people):
    notice = filed_notice(people.org_a, people.provider_a_user, system_name="ＣｏｌｄＶａｕｌｔ")
    db.session.commit()
    page = signed_in.get("/notices/", query_string={"q": "coldvault"}).get_data(as_text=True)
    assert notice.receipt_number in page.split("<tbody>", 1)[-1]


def test_the_register_finds_a_full_width_provider_name_typed_half_width(client, people):
    people.org_a.name_ja = "株式会社ＮＯＲＴＨ"
    notice = filed_notice(
        people.org_a,
        people.provider_a_user,
        status=Status.ACCEPTED,
        decided_at=calendar.utcnow(),
    )
    db.session.commit()
    for q in ("north", "NORTH", "ｎｏｒｔｈ"):
        page = client.get("/register", query_string={"q": q}).get_data(as_text=True)
        assert notice.receipt_number in page, q
