"""Submitting a notice: once only, numbered, snapshotted, clocked; then withdrawing,
deleting, and provider B finding nothing of provider A's."""

import hashlib
import io
import json
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.domain import calendar
from app.domain.fingerprint import canonical_json
from app.domain.workflow import Status
from app.extensions import db
from app.files import storage
from app.filing import operations
from app.filing.models import (
    Attachment,
    Notice,
    NoticeClient,
    NoticeVersion,
    ReceiptCounter,
)
from app.history.models import NoticeEvent
from tests.filing_helpers import (
    accepted_notice,
    attach_pdf,
    complete_draft,
    minimal_pdf,
    rules,
)

# Monday 1 June 2026, an ordinary business day in Japan.
MONDAY_NOON_JST = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def submit(notice, user, now):
    version = operations.submit_notice(notice, user, now=now, rules=rules())
    db.session.commit()
    return version


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def counter(year):
    row = db.session.get(ReceiptCounter, year)
    return None if row is None else row.last_number


@pytest.fixture
def draft(people):
    notice = complete_draft(people.provider_a_user)
    db.session.commit()
    return notice


# --- submitting once ------------------------------------------------------------------


def test_submitting_twice_files_the_notice_once(signed_in, draft):
    first = signed_in.post(f"/notices/{draft.id}/submit", data={"version": draft.version})
    assert first.status_code == 303
    assert first.location.endswith(f"/notices/{draft.id}/receipt")
    number = draft.receipt_number
    assert re.fullmatch(r"AN-\d{4}-000001", number)

    again = signed_in.post(f"/notices/{draft.id}/submit", data={"version": 1})

    assert again.status_code in (302, 303)
    assert again.location.endswith(f"/notices/{draft.id}/receipt")
    db.session.expire_all()
    assert count(Notice) == 1
    assert draft.receipt_number == number
    assert count(NoticeVersion) == 1
    assert count(NoticeEvent, NoticeEvent.action == "submit") == 1
    assert counter(int(number[3:7])) == 1
    receipt = signed_in.get(again.location)
    assert receipt.status_code == 200
    assert number in receipt.get_data(as_text=True)


# --- reading the notice back before submitting ----------------------------------------


def test_the_check_page_reads_back_every_section_as_it_will_be_filed(signed_in, draft):
    page = signed_in.get(f"/notices/{draft.id}/submit").get_data(as_text=True)

    submit_at = page.index("Submit the notice")
    for shown in (
        draft.organisation.name_ja,  # the provider section, from the profile
        draft.system_name,
        draft.clients[0].name,
        draft.attachments[0].sha256,
        draft.declarant_name,
    ):
        assert 0 < page.index(shown) < submit_at, shown
    assert draft.receipt_number is None  # reading it back files nothing


def read_back_of(page: str) -> str:
    return re.search(r'name="read_back" type="hidden" value="([0-9a-f]{64})"', page)[1]


@pytest.mark.parametrize("change", ["section", "row", "profile"])
def test_a_notice_changed_after_its_check_page_was_read_is_not_filed(
    signed_in, draft, people, change
):
    read = signed_in.get(f"/notices/{draft.id}/submit").get_data(as_text=True)
    # Meanwhile, in another window: a section saved, a listed client changed, the profile
    # edited.
    if change == "section":
        operations.save_section(draft, {"description": "CHANGED IN ANOTHER WINDOW"})
    elif change == "row":
        draft.clients[0].name_en = "Another Exchange"
    else:
        draft.organisation.name_en = "Renamed Elsewhere K.K."
    db.session.commit()

    refused = signed_in.post(
        f"/notices/{draft.id}/submit",
        data={"version": draft.version, "read_back": read_back_of(read)},
    )

    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "The notice was not submitted" in page
    if change == "section":
        assert "CHANGED IN ANOTHER WINDOW" in page  # read back as it now stands
    db.session.expire_all()
    assert draft.status == Status.DRAFT and draft.receipt_number is None
    assert count(NoticeVersion) == 0
    # Submitting from the page as it now reads files it.
    again = signed_in.post(
        f"/notices/{draft.id}/submit",
        data={"version": draft.version, "read_back": read_back_of(page)},
    )
    assert again.status_code == 303
    db.session.expire_all()
    assert draft.status == Status.SUBMITTED


def test_a_notice_unchanged_since_its_check_page_is_filed(signed_in, draft):
    read = signed_in.get(f"/notices/{draft.id}/submit").get_data(as_text=True)

    filed = signed_in.post(
        f"/notices/{draft.id}/submit",
        data={"version": draft.version, "read_back": read_back_of(read)},
    )

    assert filed.status_code == 303
    db.session.expire_all()
    snapshot = json.loads(draft.latest_version.snapshot)
    assert snapshot["system"]["description"] == draft.description


def test_the_check_page_of_a_change_shows_what_differs_from_the_referred_notice(signed_in, people):
    earlier = accepted_notice(people.provider_a_user, now=MONDAY_NOON_JST)
    change = complete_draft(
        people.provider_a_user,
        notice_type="change",
        refers_to_id=earlier.id,
        system_version="9.9",
    )
    db.session.commit()

    page = signed_in.get(f"/notices/{change.id}/submit").get_data(as_text=True)

    assert f"What differs from {earlier.receipt_number}, the notice this one refers to" in page
    assert "<ins>9.9</ins>" in page


def test_the_check_page_of_an_incomplete_draft_lists_problems_not_a_copy(signed_in, people):
    notice = operations.create_draft(people.provider_a_user)
    db.session.commit()

    page = signed_in.get(f"/notices/{notice.id}/submit").get_data(as_text=True)

    assert "The notice cannot be submitted yet" in page
    assert "Submit the notice" not in page
    assert 'id="snap-system"' not in page


def test_the_filed_notice_page_links_each_document_to_its_download(signed_in, draft, people):
    operations.submit_notice(draft, people.provider_a_user, now=MONDAY_NOON_JST, rules=rules())
    db.session.commit()
    attachment = draft.attachments[0]

    page = signed_in.get(f"/notices/{draft.id}").get_data(as_text=True)

    link = f"/notices/{draft.id}/attachments/{attachment.id}"
    assert f'<a href="{link}">{attachment.display_name}</a>' in page
    download = signed_in.get(link)
    assert download.status_code == 200
    assert hashlib.sha256(download.get_data()).hexdigest() == attachment.sha256


NOT_EDITABLE = "This notice has been submitted and can no longer be edited."

SECTION_POSTS = {
    "system": {"system_name": "Changed after filing", "system_version": "9"},
    "notice": {"notice_type": "new", "planned_date": "2030-01-04"},
    "security": {"hot_wallet_percent": "99"},
    "declaration": {"declarant_name": "Someone else", "declarant_title": "CEO"},
}


@pytest.mark.parametrize(
    "key, goes_to",
    [("notice", "/edit/system"), ("security", "/edit/attachments"), ("declaration", "/submit")],
)
def test_save_and_continue_leads_to_the_next_section_and_after_the_last_to_the_check(
    signed_in, draft, key, goes_to
):
    response = signed_in.post(
        f"/notices/{draft.id}/edit/{key}", data={**SECTION_POSTS[key], "save_next": "1"}
    )

    assert response.status_code == 302
    assert response.location.endswith(f"/notices/{draft.id}{goes_to}")


@pytest.mark.parametrize("key", sorted(SECTION_POSTS))
def test_a_submitted_notice_cannot_be_edited_through_its_sections(signed_in, draft, people, key):
    submit(draft, people.provider_a_user, MONDAY_NOON_JST)
    before = notice_state(draft.id)

    response = signed_in.post(f"/notices/{draft.id}/edit/{key}", data=SECTION_POSTS[key])

    assert response.status_code in (302, 303, 409)
    if response.status_code == 409:
        assert NOT_EDITABLE in response.get_data(as_text=True)
    else:
        assert response.location.endswith(f"/notices/{draft.id}")
    assert notice_state(draft.id) == before


def group_posts(notice):
    client_id = notice.clients[0].id
    sub_id = notice.subcontractors[0].id
    cert_id = notice.certifications[0].id
    attachment_id = notice.attachments[0].id
    return {
        "add client": (f"/notices/{notice.id}/clients", {"client-name": "追加取引所"}),
        "remove client": (f"/notices/{notice.id}/clients/{client_id}/remove", {}),
        "add subcontractor": (
            f"/notices/{notice.id}/subcontractors",
            {"sub-name": "DevCo", "sub-country": "VN", "sub-function": "development"},
        ),
        "remove subcontractor": (f"/notices/{notice.id}/subcontractors/{sub_id}/remove", {}),
        "add certification": (
            f"/notices/{notice.id}/certifications",
            {"cert-kind": "iso27001", "cert-reference": "IS 999"},
        ),
        "remove certification": (f"/notices/{notice.id}/certifications/{cert_id}/remove", {}),
        "upload attachment": (f"/notices/{notice.id}/attachments", "upload"),
        "remove attachment": (f"/notices/{notice.id}/attachments/{attachment_id}/remove", {}),
    }


GROUP_ACTIONS = [
    "add client",
    "remove client",
    "add subcontractor",
    "remove subcontractor",
    "add certification",
    "remove certification",
    "upload attachment",
    "remove attachment",
]


def with_groups(notice):
    operations.add_subcontractor(notice, {"name": "OpsCo", "country": "JP", "function": "ops"})
    operations.add_certification(
        notice,
        {
            "kind": "iso27001",
            "reference": "IS 1",
            "issuer": "",
            "valid_from": None,
            "valid_until": None,
        },
    )
    db.session.commit()
    return notice


def post(client, path, data):
    if data == "upload":
        return client.post(
            path,
            data={"file-category": "other", "file-file": (io.BytesIO(minimal_pdf(2)), "late.pdf")},
            content_type="multipart/form-data",
        )
    return client.post(path, data=data)


@pytest.mark.parametrize("action", GROUP_ACTIONS)
def test_a_submitted_notice_refuses_changes_to_its_lists(signed_in, draft, people, action):
    """Refused with a clear answer (a redirect to the notice, or 409), never a server error."""
    with_groups(draft)
    submit(draft, people.provider_a_user, MONDAY_NOON_JST)
    path, data = group_posts(draft)[action]
    before = notice_state(draft.id)
    files_before = sorted(storage().keys())

    response = post(signed_in, path, data)

    assert response.status_code in (302, 303, 409), (
        f"{action} on a submitted notice answered {response.status_code}"
    )
    if response.status_code == 409:
        assert NOT_EDITABLE in response.get_data(as_text=True)
    assert notice_state(draft.id) == before
    assert sorted(storage().keys()) == files_before


def notice_state(notice_id):
    """What a refused request must leave exactly as it was."""
    db.session.expire_all()
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        return None
    columns = {c.key: getattr(notice, c.key) for c in Notice.__table__.columns}
    columns.pop("updated_at")
    return (
        columns,
        [(c.id, c.name) for c in notice.clients],
        [(s.id, s.name) for s in notice.subcontractors],
        [(c.id, c.reference) for c in notice.certifications],
        [(a.id, a.storage_key) for a in notice.attachments],
        count(NoticeVersion, NoticeVersion.notice_id == notice_id),
        count(NoticeEvent, NoticeEvent.notice_id == notice_id),
    )


# --- the snapshot -----------------------------------------------------------------------


def test_the_snapshot_is_canonical_json_whose_sha256_is_the_fingerprint(draft, people):
    second = attach_pdf(
        draft,
        people.provider_a_user,
        data=minimal_pdf(3),
        filename="b.pdf",
        category="security_assessment",
    )
    db.session.commit()

    version = submit(draft, people.provider_a_user, MONDAY_NOON_JST)

    stored = db.session.scalars(select(NoticeVersion)).one()
    assert stored.id == version.id and stored.number == 1
    data = json.loads(stored.snapshot)
    assert canonical_json(data).decode("utf-8") == stored.snapshot
    assert hashlib.sha256(stored.snapshot.encode("utf-8")).hexdigest() == stored.fingerprint
    assert re.fullmatch(r"[0-9a-f]{64}", stored.fingerprint)
    attachments = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert len(attachments) == 2 and attachments[1].id == second.id
    assert [a["sha256"] for a in data["attachments"]] == [a.sha256 for a in attachments]
    for attachment in attachments:
        assert (
            attachment.sha256 == hashlib.sha256(storage().get(attachment.storage_key)).hexdigest()
        )
    assert data["filing"]["receipt_number"] == draft.receipt_number
    assert data["filing"]["received_at"] == "2026-06-01T12:00:00+09:00"
    assert data["provider"]["name_ja"] == people.org_a.name_ja
    assert data["system"]["system_name"] == draft.system_name
    assert data["clients"][0]["registration_number"] == draft.clients[0].registration_number


def organisation_form(org, **changes):
    data = {
        "kind": "domestic",
        "name_ja": org.name_ja,
        "name_en": org.name_en,
        "corporate_number": org.corporate_number,
        "country": "JP",
        "lei": "",
        "postal_code": org.postal_code,
        "address": org.address,
        "representative_name": org.representative_name,
        "representative_title": org.representative_title,
        "contact_name": org.contact_name,
        "contact_department": org.contact_department,
        "contact_email": org.contact_email,
        "contact_phone": org.contact_phone,
    }
    data.update(changes)
    return data


def test_editing_the_profile_after_submission_leaves_the_filed_snapshot(
    client, auth, people, draft
):
    submit(draft, people.provider_a_user, MONDAY_NOON_JST)
    filed = db.session.scalars(select(NoticeVersion)).one()
    snapshot, fingerprint = filed.snapshot, filed.fingerprint
    old_name = people.org_a.name_ja
    auth.login(client, people.provider_a_admin)

    response = client.post(
        "/organisation",
        data=organisation_form(
            people.org_a, name_ja="改名後株式会社", address="大阪府大阪市北区1-1"
        ),
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert people.org_a.name_ja == "改名後株式会社"
    filed = db.session.scalars(select(NoticeVersion)).one()
    assert (filed.snapshot, filed.fingerprint) == (snapshot, fingerprint)
    assert json.loads(filed.snapshot)["provider"]["name_ja"] == old_name
    for page in (f"/notices/{draft.id}/receipt", f"/notices/{draft.id}"):
        body = client.get(page).get_data(as_text=True)
        assert old_name in body
        assert "改名後株式会社" not in body


# --- the clock ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "received"),
    [
        # 16:59:59 JST on a Monday: received that day.
        (datetime(2026, 6, 1, 7, 59, 59, tzinfo=UTC), date(2026, 6, 1)),
        # 17:00 JST sharp is after the end of the business day.
        (datetime(2026, 6, 1, 8, 0, tzinfo=UTC), date(2026, 6, 2)),
        # 17:30 JST on a Friday: the next Monday.
        (datetime(2026, 6, 5, 8, 30, tzinfo=UTC), date(2026, 6, 8)),
        # Saturday 10:00 JST: Monday.
        (datetime(2026, 6, 6, 1, 0, tzinfo=UTC), date(2026, 6, 8)),
        # 23:30 UTC on Sunday is already Monday 08:30 in Japan.
        (datetime(2026, 6, 7, 23, 30, tzinfo=UTC), date(2026, 6, 8)),
    ],
)
def test_receipt_date_and_review_deadline(draft, people, now, received):
    submit(draft, people.provider_a_user, now)

    db.session.expire_all()
    assert draft.receipt_date == received
    assert draft.review_deadline == calendar.review_deadline(received, 20)
    assert calendar.business_days_between(received, draft.review_deadline) == 20


def test_review_deadline_of_a_known_day(draft, people):
    submit(draft, people.provider_a_user, MONDAY_NOON_JST)

    # June 2026 has no national holiday: twenty business days after 1 June is 29 June.
    assert draft.receipt_date == date(2026, 6, 1)
    assert draft.review_deadline == date(2026, 6, 29)


def test_the_review_period_follows_the_configuration(app, draft, people):
    app.config["REVIEW_BUSINESS_DAYS"] = 5

    submit(draft, people.provider_a_user, MONDAY_NOON_JST)

    assert draft.review_deadline == date(2026, 6, 8)


# --- receipt numbers ------------------------------------------------------------------------


def test_receipt_numbers_run_in_sequence_and_restart_in_a_new_jst_year(people):
    user = people.provider_a_user
    drafts = [complete_draft(user, planned_date=date(2027, 9, 1)) for _ in range(5)]
    db.session.commit()
    moments = [
        datetime(2026, 12, 28, 1, 0, tzinfo=UTC),
        datetime(2026, 12, 28, 2, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 14, 59, 59, tzinfo=UTC),  # 23:59:59 on 31 December in Japan
        datetime(2026, 12, 31, 15, 0, tzinfo=UTC),  # midnight: 2027 in Japan, not yet in UTC
        datetime(2027, 1, 4, 1, 0, tzinfo=UTC),
    ]

    for notice, now in zip(drafts, moments, strict=True):
        submit(notice, user, now)

    assert [n.receipt_number for n in drafts] == [
        "AN-2026-000001",
        "AN-2026-000002",
        "AN-2026-000003",
        "AN-2027-000001",
        "AN-2027-000002",
    ]
    assert (counter(2026), counter(2027)) == (3, 2)


def test_a_failed_submission_gives_its_number_back(signed_in, people, monkeypatch):
    user = people.provider_a_user
    first, second = complete_draft(user), complete_draft(user)
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while writing the snapshot")

    monkeypatch.setattr(operations, "record_version", broken)
    failed = signed_in.post(f"/notices/{first.id}/submit", data={})
    assert failed.status_code == 500
    db.session.expire_all()
    assert first.status == Status.DRAFT
    assert first.receipt_number is None
    assert count(NoticeVersion) == 0
    assert count(NoticeEvent) == 0
    assert not db.session.scalar(select(func.max(ReceiptCounter.last_number)))

    monkeypatch.undo()
    assert signed_in.post(f"/notices/{second.id}/submit", data={}).status_code == 303
    assert signed_in.post(f"/notices/{first.id}/submit", data={}).status_code == 303

    db.session.expire_all()
    year = calendar.to_jst(second.submitted_at).year
    assert second.receipt_number == f"AN-{year}-000001"
    assert first.receipt_number == f"AN-{year}-000002"
    assert counter(year) == 2


def test_a_failed_submission_in_the_operations_layer_leaves_no_gap(people, monkeypatch):
    user = people.provider_a_user
    first, second = complete_draft(user), complete_draft(user)
    db.session.commit()
    monkeypatch.setattr(operations, "record_version", _raise)

    with pytest.raises(RuntimeError):
        operations.submit_notice(first, user, now=MONDAY_NOON_JST, rules=rules())
    db.session.rollback()
    monkeypatch.undo()

    submit(second, user, MONDAY_NOON_JST)
    submit(first, user, MONDAY_NOON_JST)
    assert (second.receipt_number, first.receipt_number) == ("AN-2026-000001", "AN-2026-000002")


def _raise(*args, **kwargs):
    raise RuntimeError("forced failure after the number was allocated")


def test_an_incomplete_notice_is_not_numbered(people):
    user = people.provider_a_user
    incomplete = complete_draft(user, declaration_confirmed=False)
    db.session.commit()

    with pytest.raises(operations.SubmissionIncomplete) as refused:
        operations.submit_notice(incomplete, user, now=MONDAY_NOON_JST, rules=rules())
    db.session.rollback()

    assert [(p.section, p.field) for p in refused.value.problems] == [
        ("declaration", "declaration_confirmed")
    ]
    assert counter(2026) is None
    assert incomplete.status == Status.DRAFT


# --- withdrawing ------------------------------------------------------------------------------


def test_withdrawing_needs_a_reason_and_records_it(signed_in, draft, people):
    submit(draft, people.provider_a_user, MONDAY_NOON_JST)

    empty = signed_in.post(f"/notices/{draft.id}/withdraw", data={"reason": "  "})
    assert empty.status_code == 422
    assert "This field is required." in empty.get_data(as_text=True)
    db.session.expire_all()
    assert draft.status == Status.SUBMITTED

    reason = "サービス開始を延期するため取り下げます。"
    done = signed_in.post(
        f"/notices/{draft.id}/withdraw", data={"reason": reason, "version": draft.version}
    )

    assert done.status_code == 303
    assert done.location.endswith(f"/notices/{draft.id}")
    db.session.expire_all()
    assert draft.status == Status.WITHDRAWN
    event = db.session.scalars(select(NoticeEvent).where(NoticeEvent.action == "withdraw")).one()
    assert (event.comment, event.actor_id) == (reason, people.provider_a_user.id)
    assert (event.from_status, event.to_status) == ("submitted", "withdrawn")
    page = signed_in.get(f"/notices/{draft.id}").get_data(as_text=True)
    assert reason in page
    assert "Withdrawn" in page
    assert "Review deadline" not in page  # closed: no deadline left to meet


def test_the_withdraw_forms_ask_before_they_are_sent(signed_in, draft, people):
    submit(draft, people.provider_a_user, MONDAY_NOON_JST)
    question = (
        f'data-confirm="Withdraw {draft.receipt_number}? This cannot be undone: the review '
        'stops, and to go on you would have to file the notice again."'
    )

    for url in (f"/notices/{draft.id}", f"/notices/{draft.id}/withdraw"):
        page = signed_in.get(url).get_data(as_text=True)
        assert page.count(question) == 1, url


def test_a_withdrawn_notice_cannot_be_withdrawn_again(signed_in, draft, people):
    user = people.provider_a_user
    submit(draft, user, MONDAY_NOON_JST)
    operations.withdraw_notice(draft, user, reason="first", expected_version=draft.version)
    db.session.commit()
    before = notice_state(draft.id)

    response = signed_in.post(
        f"/notices/{draft.id}/withdraw", data={"reason": "again", "version": draft.version}
    )

    assert response.status_code == 409
    assert "This notice can no longer be withdrawn." in response.get_data(as_text=True)
    assert notice_state(draft.id) == before
    assert count(NoticeEvent, NoticeEvent.action == "withdraw") == 1


def test_a_stale_withdrawal_is_refused(signed_in, draft, people):
    submit(draft, people.provider_a_user, MONDAY_NOON_JST)
    seen = draft.version - 1

    response = signed_in.post(
        f"/notices/{draft.id}/withdraw", data={"reason": "late", "version": seen}
    )

    assert response.status_code == 409
    db.session.expire_all()
    assert draft.status == Status.SUBMITTED


# --- deleting -----------------------------------------------------------------------------------


def test_deleting_a_draft_removes_it_and_its_files(signed_in, draft):
    notice_id, key = draft.id, draft.attachments[0].storage_key
    assert storage().exists(key)

    response = signed_in.post(f"/notices/{notice_id}/delete")

    assert response.status_code == 302
    assert response.location.endswith("/notices/")
    assert notice_state(notice_id) is None
    assert count(Attachment) == 0
    assert count(NoticeClient) == 0
    assert not storage().exists(key)


def test_deleting_a_submitted_notice_is_refused(signed_in, draft, people):
    submit(draft, people.provider_a_user, MONDAY_NOON_JST)
    before = notice_state(draft.id)
    key = draft.attachments[0].storage_key

    response = signed_in.post(f"/notices/{draft.id}/delete")

    assert response.status_code == 409
    # A page that says why, in the site's layout, with the way back: not a bare redirect.
    page = response.get_data(as_text=True)
    assert "This action could not be carried out" in page
    assert "This notice has been submitted and can no longer be edited." in page
    assert f'href="/notices/{draft.id}"' in page
    assert notice_state(draft.id) == before
    assert storage().exists(key)


# --- provider B sees nothing of provider A's ---------------------------------------------------


def every_url(notice):
    n = notice.id
    client_id, sub_id = notice.clients[0].id, notice.subcontractors[0].id
    cert_id, att_id = notice.certifications[0].id, notice.attachments[0].id
    urls = [
        ("GET", f"/notices/{n}", None),
        ("GET", f"/notices/{n}/receipt", None),
        ("GET", f"/notices/{n}/edit", None),
        *[
            ("GET", f"/notices/{n}/edit/{key}", None)
            for key in (
                "provider",
                "notice",
                "system",
                "clients",
                "security",
                "attachments",
                "declaration",
            )
        ],
        ("POST", f"/notices/{n}/edit/system", {"system_name": "B was here"}),
        ("POST", f"/notices/{n}/edit/declaration", {"declarant_name": "B"}),
        ("GET", f"/notices/{n}/submit", None),
        ("POST", f"/notices/{n}/submit", {}),
        ("GET", f"/notices/{n}/withdraw", None),
        ("POST", f"/notices/{n}/withdraw", {"reason": "B withdraws A's notice"}),
        ("POST", f"/notices/{n}/delete", {}),
        ("POST", f"/notices/{n}/clients", {"client-name": "B's exchange"}),
        ("POST", f"/notices/{n}/clients/{client_id}/remove", {}),
        (
            "POST",
            f"/notices/{n}/subcontractors",
            {"sub-name": "B", "sub-country": "JP", "sub-function": "spy"},
        ),
        ("POST", f"/notices/{n}/subcontractors/{sub_id}/remove", {}),
        ("POST", f"/notices/{n}/certifications", {"cert-kind": "other", "cert-reference": "B"}),
        ("POST", f"/notices/{n}/certifications/{cert_id}/remove", {}),
        ("POST", f"/notices/{n}/attachments", "upload"),
        ("GET", f"/notices/{n}/attachments/{att_id}", None),
        ("POST", f"/notices/{n}/attachments/{att_id}/remove", {}),
        ("POST", f"/notices/{n}/respond", {"message": "B answers", "version": "2"}),
    ]
    return urls


URL_COUNT = 27


@pytest.mark.parametrize("filed", [False, True], ids=["draft", "submitted"])
@pytest.mark.parametrize("index", range(URL_COUNT))
def test_provider_b_gets_404_on_every_url_of_a_notice(client, auth, people, draft, filed, index):
    with_groups(draft)
    if filed:
        submit(draft, people.provider_a_user, MONDAY_NOON_JST)
    urls = every_url(draft)
    assert len(urls) == URL_COUNT
    method, path, data = urls[index]
    before = notice_state(draft.id)
    files_before = sorted(storage().keys())
    auth.login(client, people.provider_b)

    response = client.get(path) if method == "GET" else post(client, path, data)

    assert response.status_code == 404, f"{method} {path} answered {response.status_code}"
    assert notice_state(draft.id) == before
    assert sorted(storage().keys()) == files_before
    body = response.get_data(as_text=True)
    assert draft.system_name not in body
    assert people.org_a.name_ja not in body


def test_a_new_draft_counts_its_notice_section_as_started(signed_in, people):
    """The type was chosen when the draft was made: "Not started" would be untrue."""
    notice = operations.create_draft(people.provider_a_user)
    db.session.commit()

    page = signed_in.get(f"/notices/{notice.id}/edit").get_data(as_text=True)

    notice_item = re.search(r'href="[^"]*/edit/notice"[^>]*>.*?</li>', page, re.S).group(0)
    assert "In progress" in notice_item
    assert "Not started" not in notice_item
