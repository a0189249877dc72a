"""Acknowledgements issued with filing events, their downloads and the public check.

The PDFs are real WeasyPrint renders, read back with pypdf."""

import hashlib
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.accounts.models import Role
from app.acknowledgements.codes import format_code
from app.acknowledgements.models import Acknowledgement, DocumentKind
from app.extensions import db
from tests.conftest import BACKEND, counting_statements
from tests.factories import make_foreign_organisation, make_user
from tests.review_helpers import confirm, propose, request_info, submitted_notice, take


def issued(notice, kind=None):
    query = select(Acknowledgement).where(Acknowledgement.notice_id == notice.id)
    if kind:
        query = query.where(Acknowledgement.kind == kind)
    return db.session.scalars(query.order_by(Acknowledgement.id)).all()


@pytest.fixture
def filed(people):
    notice = submitted_notice(people.provider_a_admin)
    db.session.commit()
    return notice


def test_submission_issues_one_receipt_that_holds_the_filed_snapshot(filed):
    (receipt,) = issued(filed)
    assert receipt.kind == DocumentKind.RECEIPT
    assert receipt.receipt_number == filed.receipt_number
    assert len(receipt.verification_code) >= 10
    assert receipt.sha256 == hashlib.sha256(receipt.pdf).hexdigest()

    reader = PdfReader(io.BytesIO(receipt.pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert filed.receipt_number in text
    assert "受付票" in text
    assert reader.metadata.subject == filed.receipt_number
    embedded = reader.attachments
    assert list(embedded) == ["notice.json"]
    assert embedded["notice.json"][0] == filed.versions[0].snapshot.encode("utf-8")
    assert filed.versions[0].fingerprint in text.replace("\n", "")


def test_the_owner_downloads_the_stored_bytes_with_their_hash_as_etag(client, auth, people, filed):
    (receipt,) = issued(filed)
    auth.login(client, people.provider_a_user)
    url = f"/notices/{filed.id}/acknowledgements/{receipt.id}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data == receipt.pdf
    assert response.headers["ETag"].strip('"') == receipt.sha256

    again = client.get(url, headers={"If-None-Match": f'"{receipt.sha256}"'})
    assert again.status_code == 304
    # Downloading never re-renders: still one document, the same bytes.
    assert db.session.scalar(select(func.count()).select_from(Acknowledgement)) == 1
    assert client.get(url).data == receipt.pdf


def test_a_download_is_two_statements_and_reads_no_notice(client, auth, people, filed):
    """The sign-in session with its user, then the acknowledgement with its bytes, joined
    to the notice for the owner check (and on SQLite the BEGIN of app/database.py)."""
    (receipt,) = issued(filed)
    auth.login(client, people.provider_a_user)
    url = f"/notices/{filed.id}/acknowledgements/{receipt.id}"
    client.get(url)  # the session's last-seen time is touched at most once a minute
    stored = receipt.pdf
    with counting_statements() as statements:
        response = client.get(url)
    assert response.data == stored
    assert len(statements) == (3 if BACKEND == "sqlite" else 2), "\n\n".join(statements)
    assert not any(s.lstrip().startswith("SELECT notices.") for s in statements)


def test_another_provider_gets_not_found(client, auth, people, filed):
    (receipt,) = issued(filed)
    auth.login(client, people.provider_b)
    assert client.get(f"/notices/{filed.id}/acknowledgements/{receipt.id}").status_code == 404


def test_the_receipt_page_offers_the_pdf_at_once(client, auth, people, filed):
    (receipt,) = issued(filed)
    auth.login(client, people.provider_a_admin)
    page = client.get(f"/notices/{filed.id}/receipt").get_data(as_text=True)
    assert f"/notices/{filed.id}/acknowledgements/{receipt.id}" in page
    # The verification code is part of the record, so it prints (not in a no-print part).
    summary = page[page.index('<dl class="summary">') : page.index("</dl>")]
    assert format_code(receipt.verification_code) in summary


def test_information_requests_and_decisions_issue_their_own_documents(people, filed):
    take(filed, people.reviewer)
    request_info(filed, people.reviewer)
    db.session.commit()
    (letter,) = issued(filed, DocumentKind.INFORMATION_REQUEST)
    letter_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.pdf)).pages)
    assert "Send the penetration test report." in letter_text

    from app.domain import calendar
    from app.review import operations as review_ops
    from tests.filing_helpers import rules

    review_ops.respond_to_request(
        filed,
        people.provider_a_user,
        message="Attached.",
        files=[],
        now=calendar.utcnow(),
        expected_version=filed.version,
        storage=None,
        rules=rules(),
    )
    propose(filed, people.reviewer)
    confirm(filed, people.supervisor)
    db.session.commit()
    (decision,) = issued(filed, DocumentKind.DECISION)
    reader = PdfReader(io.BytesIO(decision.pdf))
    text = "".join(p.extract_text() for p in reader.pages)
    assert filed.receipt_number in text
    # The decision embeds the version it decided on: the one made by the response.
    assert reader.attachments["notice.json"][0] == filed.versions[-1].snapshot.encode()
    assert decision.notice_version == 2
    # ...and says which version its fingerprint is of, unlike the receipt's (version 1).
    flat = re.sub(r"\s+", " ", text)
    assert f"Content fingerprint, version 2 (SHA-256) {filed.versions[-1].fingerprint}" in flat
    (receipt,) = issued(filed, DocumentKind.RECEIPT)
    receipt_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.pdf)).pages)
    assert "内容の指紋（第1版）" in receipt_text


def _result(page: str) -> str:
    return re.sub(r"\s+", " ", page)


def test_anyone_verifies_by_number_and_code(client, filed):
    (receipt,) = issued(filed)
    found = client.get(
        "/verify", query_string={"number": filed.receipt_number, "code": receipt.verification_code}
    )
    assert found.status_code == 200
    assert receipt.sha256 in found.get_data(as_text=True)

    # Typed as people type it: grouped with hyphens, lower case.
    grouped = "-".join(re.findall(".{1,4}", receipt.verification_code.lower()))
    typed = client.get("/verify", query_string={"number": filed.receipt_number, "code": grouped})
    assert receipt.sha256 in typed.get_data(as_text=True)


def verified_page(client, acknowledgement) -> str:
    page = client.get(
        "/verify",
        query_string={
            "number": acknowledgement.receipt_number,
            "code": acknowledgement.verification_code,
        },
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    return _result(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize(("outcome", "shown"), [("accept", "Accepted"), ("return", "Returned")])
def test_checking_a_decision_notice_states_its_outcome(client, people, filed, outcome, shown):
    """A returned notice edited to read 'accepted' would otherwise pass the number-and-code
    check: the page states the outcome the registry recorded."""
    take(filed, people.reviewer)
    propose(filed, people.reviewer, outcome=outcome)
    confirm(filed, people.supervisor)
    db.session.commit()
    (decision,) = issued(filed, DocumentKind.DECISION)
    (receipt,) = issued(filed, DocumentKind.RECEIPT)

    assert f" Decision {shown} " in verified_page(client, decision)
    receipt_page = verified_page(client, receipt)
    assert " Decision " not in receipt_page
    assert f" Status of the notice today {shown} " in receipt_page


def test_checking_the_receipt_of_a_withdrawn_notice_says_it_was_withdrawn(client, people, filed):
    from app.filing import operations as filing_ops

    (receipt,) = issued(filed)
    assert " Status of the notice today Received " in verified_page(client, receipt)

    filing_ops.withdraw_notice(
        filed, people.provider_a_user, reason="Plans changed.", expected_version=filed.version
    )
    db.session.commit()

    page = verified_page(client, receipt)
    assert "Genuine: this document was issued by the registry." in page
    assert " Status of the notice today Withdrawn " in page


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client, filed):
    (receipt,) = issued(filed)
    wrong_code = client.get(
        "/verify", query_string={"number": filed.receipt_number, "code": "ACDEFGHJKLMN"}
    )
    unknown = client.get(
        "/verify",
        query_string={"number": "AN-2099-999999", "code": receipt.verification_code},
    )
    assert wrong_code.status_code == unknown.status_code == 200
    assert receipt.sha256 not in wrong_code.get_data(as_text=True)
    strip = re.compile(r'value="[^"]*"|name="csrf_token"[^>]*')
    assert strip.sub("", _result(wrong_code.get_data(as_text=True))) == strip.sub(
        "", _result(unknown.get_data(as_text=True))
    )


def test_an_uploaded_original_matches_and_one_changed_byte_does_not(client, filed):
    (receipt,) = issued(filed)
    original = client.post(
        "/verify/upload",
        data={"file": (io.BytesIO(receipt.pdf), "receipt.pdf")},
        content_type="multipart/form-data",
    )
    assert original.status_code == 200
    assert receipt.sha256 in original.get_data(as_text=True)

    changed = bytearray(receipt.pdf)
    changed[len(changed) // 2] ^= 0x01
    forged = client.post(
        "/verify/upload",
        data={"file": (io.BytesIO(bytes(changed)), "receipt.pdf")},
        content_type="multipart/form-data",
    )
    assert forged.status_code == 200
    assert receipt.sha256 not in forged.get_data(as_text=True)


def test_the_qr_code_url_opens_the_check_with_number_and_code(filed, client):
    (receipt,) = issued(filed)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.pdf)).pages)
    flat = re.sub(r"\s+", "", text)
    assert f"/verify?number={filed.receipt_number}&code={receipt.verification_code}" in flat
    response = client.get(
        "/verify", query_string={"number": filed.receipt_number, "code": receipt.verification_code}
    )
    assert receipt.sha256 in response.get_data(as_text=True)


def test_a_rolled_back_submission_leaves_no_acknowledgement(people):
    from app.domain import calendar
    from app.filing import operations
    from tests.filing_helpers import complete_draft, rules

    draft = complete_draft(people.provider_a_admin)
    db.session.commit()
    operations.submit_notice(draft, people.provider_a_admin, now=calendar.utcnow(), rules=rules())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Acknowledgement)) == 0


def _full_width(text: str) -> str:
    """``text`` as a Japanese keyboard in full-width mode types it (－ for -)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_the_check_shows_the_provider_as_filed_after_a_rename(client, people, filed):
    """The page says what the document says: the names in the snapshot, not today's."""
    (receipt,) = issued(filed)
    filed_ja, filed_en = people.org_a.name_ja, people.org_a.name_en
    people.org_a.name_ja, people.org_a.name_en = "改名後株式会社", "Renamed Later K.K."
    db.session.commit()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.pdf)).pages)
    assert filed_en in text

    by_code = client.get(
        "/verify", query_string={"number": filed.receipt_number, "code": receipt.verification_code}
    ).get_data(as_text=True)
    by_upload = client.post(
        "/verify/upload",
        data={"file": (io.BytesIO(receipt.pdf), "receipt.pdf")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    for page in (by_code, by_upload):
        assert receipt.sha256 in page
        assert filed_ja in page and filed_en in page
        assert people.org_a.corporate_number in page
        assert "Renamed Later" not in page and "改名後" not in page


def test_the_check_is_one_statement(client, filed):
    """The acknowledgement and its version's snapshot come together (on SQLite after the
    BEGIN of app/database.py)."""
    (receipt,) = issued(filed)
    query = {"number": filed.receipt_number, "code": receipt.verification_code}
    client.get("/verify", query_string=query)
    with counting_statements() as statements:
        page = client.get("/verify", query_string=query).get_data(as_text=True)
    assert receipt.sha256 in page
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, "\n\n".join(statements)


def test_a_full_width_number_and_code_are_found(client, filed):
    (receipt,) = issued(filed)
    number = _full_width(filed.receipt_number)
    assert number.startswith("ＡＮ－")
    for typed in (number, number.replace("－", "\u2212"), number.replace("－", "\u2010")):
        page = client.get(
            "/verify",
            query_string={
                "number": f" {typed}\u3000",
                "code": _full_width(receipt.verification_code),
            },
        ).get_data(as_text=True)
        assert receipt.sha256 in page, typed


def test_the_prolonged_sound_mark_is_not_a_hyphen_in_a_number(client, filed):
    (receipt,) = issued(filed)
    page = client.get(
        "/verify",
        query_string={
            "number": filed.receipt_number.replace("-", "ー"),
            "code": receipt.verification_code,
        },
    ).get_data(as_text=True)
    assert receipt.sha256 not in page
    assert "Not found." in page


def test_an_empty_check_says_what_is_missing(client, filed):
    page = client.get(
        "/verify", query_string={"number": "", "code": ""}, headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert page.count("This field is required.") >= 2
    assert "Not found." not in page


def test_a_check_without_a_code_says_so_and_not_not_found(client, filed):
    page = client.get(
        "/verify",
        query_string={"number": filed.receipt_number},
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert "This field is required." in page
    assert "Not found." not in page


def test_an_empty_upload_says_to_choose_a_file(client):
    response = client.post("/verify/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a PDF file." in response.get_data(as_text=True)


def test_the_receipt_names_the_countries(people):
    foreign = make_foreign_organisation()
    notice = submitted_notice(make_user(Role.PROVIDER_ADMIN, foreign))
    db.session.commit()
    (receipt,) = issued(notice)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.pdf)).pages)
    assert any("シンガポール" in line and "Singapore" in line for line in text.splitlines())


def test_issuing_from_another_address_than_the_public_one_is_logged(app, caplog):
    from app.acknowledgements.operations import verification_url

    app.config["PUBLIC_BASE_URL"] = "https://notices.example.jp"
    with caplog.at_level("WARNING", logger="app.acknowledgements.operations"):
        with app.test_request_context("/", base_url="https://notices.example.jp"):
            verification_url("AN-2026-000001", "ABCDEFGHJK")
        assert caplog.records == []
        with app.test_request_context("/", base_url="http://127.0.0.1:5101"):
            url = verification_url("AN-2026-000002", "ABCDEFGHJK")

    assert url.startswith("https://notices.example.jp/verify?")
    (record,) = caplog.records
    assert "AN-2026-000002" in record.getMessage()
    assert "http://127.0.0.1:5101/" in record.getMessage()
