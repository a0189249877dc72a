"""Attachments: only real, readable, unencrypted PDFs within the limits are stored; the
client's file name is display text only; downloads are exact and private."""

import hashlib
import io
import re
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from app.accounts.models import User
from app.database import write_intent
from app.extensions import db
from app.files import storage
from app.filing import operations
from app.filing.groups import pdf_file_name
from app.filing.models import Attachment, Notice
from tests.filing_helpers import attach_pdf, distinct_pdf, minimal_pdf, rules


def count_attachments():
    return db.session.scalar(select(func.count()).select_from(Attachment))


def stored_keys():
    return sorted(storage().keys())


def files_on_disk(app):
    root = Path(app.config["STORAGE_PATH"])
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def field_error(body, field_id="file-file"):
    match = re.search(rf'<p class="error-message" id="{field_id}-error">(.*?)</p>', body, re.S)
    return None if match is None else re.sub(r"<[^>]+>", "", match.group(1)).strip()


def upload(client, notice_id, data, filename="document.pdf", category="architecture"):
    return client.post(
        f"/notices/{notice_id}/attachments",
        data={"file-category": category, "file-file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def draft(people):
    notice = operations.create_draft(people.provider_a_user)
    db.session.commit()
    return notice


# --- refused uploads ------------------------------------------------------------------

NOT_A_PDF = "The file is not a PDF document. Only PDF files can be attached."

FORGERIES = {
    "html renamed .pdf": (
        b"<!doctype html><html><body><script>alert(1)</script></body></html>",
        NOT_A_PDF,
    ),
    "executable": (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
        NOT_A_PDF,
    ),
    "empty": (b"", "The file is empty."),
    "truncated": (
        minimal_pdf(3)[: len(minimal_pdf(3)) // 2],
        "The PDF file is incomplete (it may have been cut off during upload).",
    ),
    "encrypted": (
        encrypted_pdf(),
        "The PDF file is password-protected. Attach it without a password.",
    ),
    "pdf header, html body": (
        b"%PDF-1.7\n<html><body>not really</body></html>\n%%EOF\n",
        "The PDF file is damaged and cannot be opened.",
    ),
}


@pytest.mark.parametrize("kind", sorted(FORGERIES))
def test_a_forged_upload_is_refused_with_its_message(app, signed_in, draft, kind):
    data, message = FORGERIES[kind]

    response = upload(signed_in, draft.id, data, filename="report.pdf")

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True)) == message
    assert count_attachments() == 0
    assert stored_keys() == []
    assert files_on_disk(app) == []


def test_a_file_over_the_per_file_limit_is_refused(app, signed_in, draft):
    pdf = minimal_pdf(4)
    app.config["MAX_ATTACHMENT_BYTES"] = len(pdf) - 1

    response = upload(signed_in, draft.id, pdf)

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True)) == (
        "The file is larger than the limit for one attachment."
    )
    assert count_attachments() == 0
    assert files_on_disk(app) == []


def test_a_file_exactly_at_the_per_file_limit_is_accepted(app, signed_in, draft):
    pdf = minimal_pdf(4)
    app.config["MAX_ATTACHMENT_BYTES"] = len(pdf)

    assert upload(signed_in, draft.id, pdf).status_code == 302
    assert count_attachments() == 1


def test_the_attachments_of_a_notice_may_not_exceed_the_total(app, signed_in, draft):
    one, two = minimal_pdf(2), minimal_pdf(3)
    app.config["MAX_NOTICE_ATTACHMENT_BYTES"] = len(one) + len(two)
    assert upload(signed_in, draft.id, one, filename="one.pdf").status_code == 302
    assert upload(signed_in, draft.id, two, filename="two.pdf").status_code == 302
    before = stored_keys()

    response = upload(signed_in, draft.id, minimal_pdf(1), filename="three.pdf")

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True)).startswith(
        "The attachments of one notice may not exceed"
    )
    assert count_attachments() == 2
    assert stored_keys() == before
    assert len(files_on_disk(app)) == 2


def test_a_missing_file_is_asked_for(signed_in, draft):
    response = signed_in.post(
        f"/notices/{draft.id}/attachments",
        data={"file-category": "architecture"},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True)) == "Choose a PDF file."
    assert count_attachments() == 0


def test_an_unknown_category_is_refused(app, signed_in, draft):
    response = upload(signed_in, draft.id, minimal_pdf(), category="malware")

    assert response.status_code == 422
    assert count_attachments() == 0
    assert files_on_disk(app) == []


def test_the_same_file_is_not_attached_twice(app, signed_in, draft):
    pdf = minimal_pdf(2)
    assert upload(signed_in, draft.id, pdf, filename="構成図.pdf").status_code == 302
    before = stored_keys()

    # A second press of "Upload", or the same document chosen again under another name.
    again = [upload(signed_in, draft.id, pdf, filename=name) for name in ("構成図.pdf", "b.pdf")]

    assert [r.status_code for r in again] == [422, 422]
    for response in again:
        message = field_error(response.get_data(as_text=True))
        assert message == "This file is already attached as 構成図.pdf."
    assert count_attachments() == 1
    assert stored_keys() == before
    assert len(files_on_disk(app)) == 1


def test_two_uploads_of_one_file_at_once_attach_it_once(app, draft, people):
    """Two requests at the same moment, each in its own session (two web workers): the
    notice's row lock (PostgreSQL) or the writer lock (SQLite) puts one after the other,
    and the second finds the first's attachment."""
    pdf = distinct_pdf()
    notice_id, user_id = draft.id, people.provider_a_user.id
    db.session.remove()  # the test's own session holds nothing while the threads run
    barrier = threading.Barrier(2, timeout=30)
    outcomes = []

    def upload_in_own_session(name):
        with app.app_context():
            session = db.session()
            try:
                notice, user = session.get(Notice, notice_id), session.get(User, user_id)
                session.expire_on_commit = False
                session.commit()
                write_intent.set(True)  # as for any POST (app/database.py)
                barrier.wait()
                operations.add_attachment(
                    notice,
                    user,
                    category="architecture",
                    filename=name,
                    data=pdf,
                    storage=storage(),
                    rules=rules(),
                )
                session.commit()
                outcomes.append("attached")
            except operations.AttachmentRefused as refused:
                outcomes.append(refused)
            except Exception as error:  # reported below, with the thread it came from
                outcomes.append(error)
            finally:
                session.rollback()
                db.session.remove()

    threads = [
        threading.Thread(target=upload_in_own_session, args=(name,))
        for name in ("first.pdf", "second.pdf")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(o).__name__ for o in outcomes) == ["AttachmentRefused", "str"], outcomes
    assert count_attachments() == 1
    assert len(files_on_disk(app)) == 1


def test_another_notice_may_hold_the_same_file(signed_in, draft, people):
    other = operations.create_draft(people.provider_a_user)
    db.session.commit()
    pdf = minimal_pdf(2)

    assert upload(signed_in, draft.id, pdf).status_code == 302
    assert upload(signed_in, other.id, pdf).status_code == 302
    assert count_attachments() == 2


# --- a good upload ----------------------------------------------------------------------


def test_a_good_pdf_is_stored_under_a_generated_key(app, signed_in, draft, people):
    pdf = minimal_pdf(2)
    name = "システム構成図（第2版）.pdf"

    response = upload(signed_in, draft.id, pdf, filename=name, category="security_assessment")

    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.storage_key)
    assert attachment.display_name == name
    assert attachment.category == "security_assessment"
    assert attachment.size == len(pdf)
    assert attachment.sha256 == hashlib.sha256(pdf).hexdigest()
    assert attachment.page_count == 2
    assert attachment.uploaded_by_id == people.provider_a_user.id
    assert storage().get(attachment.storage_key) == pdf
    assert files_on_disk(app) == [attachment.storage_key]
    page = signed_in.get(f"/notices/{draft.id}/edit/attachments").get_data(as_text=True)
    assert name in page
    assert attachment.sha256 in page


# Names as the site receives them. (Werkzeug's test client, like a multipart parser, treats
# backslash and double quote as escapes inside the quoted filename, so names with those
# characters are given to the operations layer directly below.)
AWKWARD_UPLOADS = {
    "path": ("../x.pdf", "x.pdf"),
    "absolute path": ("/etc/passwd.pdf", "passwd.pdf"),
    "300 characters": ("長" * 296 + ".pdf", "長" * 251 + ".pdf"),
    "right-to-left override": ("invoice\u202efdp.pdf", "invoicefdp.pdf"),
    "markup": ("<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
    "semicolon": ("a;b=c.pdf", "a;b=c.pdf"),
}

AWKWARD_NAMES = {
    "quote and semicolon": ('a";.pdf', 'a";.pdf'),
    "windows path": ("..\\..\\windows\\x.pdf", "x.pdf"),
    "header injection": ("x.pdf\r\nSet-Cookie: a=b", "x.pdf Set-Cookie: a=b"),
}


def assert_stored_safely(app, attachment, shown):
    assert attachment.display_name == shown
    assert len(attachment.display_name) <= Attachment.NAME_MAX
    assert "\u202e" not in attachment.display_name
    assert files_on_disk(app) == [attachment.storage_key]
    root = Path(app.config["STORAGE_PATH"]).resolve()
    assert all(p.resolve().is_relative_to(root) for p in root.rglob("*"))
    assert not (root.parent / "x.pdf").exists()


def assert_downloads_as(client, notice_id, attachment, shown):
    download = client.get(f"/notices/{notice_id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == minimal_pdf()
    header = download.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert "Set-Cookie" not in download.headers
    disposition, options = parse_options_header(header)
    assert disposition == "attachment"
    # werkzeug prefers and decodes filename*; a stored document is a PDF, saved as one.
    assert options["filename"] == pdf_file_name(shown)


@pytest.mark.parametrize("kind", sorted(AWKWARD_UPLOADS))
def test_awkward_upload_names_are_kept_only_as_safe_display_text(app, signed_in, draft, kind):
    sent, shown = AWKWARD_UPLOADS[kind]

    response = upload(signed_in, draft.id, minimal_pdf(), filename=sent)

    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert_stored_safely(app, attachment, shown)
    page = signed_in.get(f"/notices/{draft.id}/edit/attachments").get_data(as_text=True)
    assert "<img src=x" not in page
    assert_downloads_as(signed_in, draft.id, attachment, shown)


@pytest.mark.parametrize("kind", sorted(AWKWARD_NAMES))
def test_awkward_names_are_stored_and_served_safely(app, signed_in, people, draft, kind):
    sent, shown = AWKWARD_NAMES[kind]
    attachment = attach_pdf(draft, people.provider_a_user, filename=sent)
    db.session.commit()

    assert_stored_safely(app, attachment, shown)
    assert_downloads_as(signed_in, draft.id, attachment, shown)


def test_a_pdf_uploaded_under_another_extension_downloads_as_a_pdf(signed_in, draft):
    upload(signed_in, draft.id, minimal_pdf(), filename="doc.docx")
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.display_name == "doc.docx"  # shown as the provider named it

    response = signed_in.get(f"/notices/{draft.id}/attachments/{attachment.id}")

    assert response.mimetype == "application/pdf"
    assert parse_options_header(response.headers["Content-Disposition"])[1]["filename"] == (
        "doc.docx.pdf"
    )


def test_a_download_is_an_attachment_with_an_rfc_5987_name_and_the_exact_bytes(signed_in, draft):
    pdf = minimal_pdf(3)
    name = "セキュリティ評価 報告書.pdf"
    upload(signed_in, draft.id, pdf, filename=name)
    attachment = db.session.scalars(select(Attachment)).one()

    response = signed_in.get(f"/notices/{draft.id}/attachments/{attachment.id}")

    assert response.status_code == 200
    assert response.data == pdf
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in header
    assert parse_options_header(header)[1]["filename"] == name
    assert "no-store" in response.headers["Cache-Control"]


# --- other people's attachments -----------------------------------------------------------


def page_shape(response, path):
    """The page without what differs by request: its incident id and its own address."""
    body = response.get_data(as_text=True).replace(path, "PATH")
    return re.sub(r"Incident reference: [0-9a-f]+", "Incident reference: …", body)


def test_provider_b_cannot_download_provider_a_attachment(client, auth, people, draft):
    attachment = attach_pdf(draft, people.provider_a_user)
    db.session.commit()
    auth.login(client, people.provider_b)

    own_notice = operations.create_draft(people.provider_b)
    db.session.commit()
    paths = [
        f"/notices/{draft.id}/attachments/{attachment.id}",  # A's notice, A's attachment
        "/notices/999999/attachments/999999",  # nothing at all
        f"/notices/{own_notice.id}/attachments/{attachment.id}",  # B's notice, A's attachment
        f"/notices/{own_notice.id}/attachments/999999",  # B's notice, no such attachment
    ]

    responses = [client.get(path) for path in paths]

    assert [r.status_code for r in responses] == [404] * len(paths)
    shapes = {page_shape(r, path) for r, path in zip(responses, paths, strict=True)}
    assert len(shapes) == 1
    assert all(minimal_pdf() not in r.data for r in responses)
    assert all(r.headers.get("Content-Disposition") is None for r in responses)


def test_an_attachment_is_only_reached_through_its_own_notice(signed_in, people, draft):
    other = operations.create_draft(people.provider_a_user)
    attachment = attach_pdf(other, people.provider_a_user)
    db.session.commit()

    response = signed_in.get(f"/notices/{draft.id}/attachments/{attachment.id}")

    assert response.status_code == 404


# --- removing ---------------------------------------------------------------------------------


def test_removing_an_attachment_deletes_its_stored_file(app, signed_in, draft):
    upload(signed_in, draft.id, minimal_pdf(), filename="keep.pdf")
    upload(signed_in, draft.id, minimal_pdf(2), filename="remove.pdf")
    keep, remove = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    removed_key = remove.storage_key

    response = signed_in.post(f"/notices/{draft.id}/attachments/{remove.id}/remove")

    assert response.status_code == 302
    assert response.location.split("#")[0].endswith(f"/notices/{draft.id}/edit/attachments")
    assert [a.display_name for a in db.session.scalars(select(Attachment))] == ["keep.pdf"]
    assert not storage().exists(removed_key)
    assert storage().exists(keep.storage_key)
    assert files_on_disk(app) == [keep.storage_key]


def test_removing_an_unknown_attachment_is_not_found(app, signed_in, draft):
    upload(signed_in, draft.id, minimal_pdf())

    response = signed_in.post(f"/notices/{draft.id}/attachments/999999/remove")

    assert response.status_code == 404
    assert count_attachments() == 1
    assert len(files_on_disk(app)) == 1
