"""A new draft from an earlier notice: a material change or a discontinuation starts from
the accepted notice it refers to, and a returned or withdrawn notice can be filed again.
Everything the provider wrote comes along (answers, clients, subcontractors,
certifications, documents); the planned date and the declaration are given afresh."""

import re
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.files import storage
from app.filing import operations
from app.filing.models import Certification, CertificationKind, Notice, Subcontractor
from app.filing.sections import SECURITY_FIELDS, SYSTEM_FIELDS
from app.review.operations import confirmed_decision
from tests.filing_helpers import DECLARATION, default_planned_date, rules
from tests.review_helpers import notice_at, state_of


def notices() -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


def with_groups(notice: Notice) -> Notice:
    """``notice`` with a subcontractor and a certification, added to its row as if filed."""
    notice.subcontractors.append(
        Subcontractor(name="Kawasaki Node Ops", country="JP", function="Node operation")
    )
    notice.certifications.append(
        Certification(
            kind=CertificationKind.ISO27001,
            reference="IS 123456",
            issuer="BSI",
            valid_from=date(2025, 4, 1),
            valid_until=date(2028, 3, 31),
        )
    )
    db.session.commit()
    return notice


def answers(notice: Notice) -> dict:
    return {
        "fields": {name: getattr(notice, name) for name in SYSTEM_FIELDS + SECURITY_FIELDS},
        "clients": [(c.registration_number, c.name, c.name_en) for c in notice.clients],
        "subcontractors": [(s.name, s.country, s.function) for s in notice.subcontractors],
        "certifications": [
            (c.kind, c.reference, c.issuer, c.valid_from, c.valid_until)
            for c in notice.certifications
        ],
        "documents": [
            (
                a.category,
                a.display_name,
                a.size,
                a.sha256,
                a.page_count,
                storage().get(a.storage_key),
            )
            for a in notice.attachments
        ],
    }


def assert_started_from(draft: Notice, earlier: Notice, user) -> None:
    assert draft.status == Status.DRAFT
    assert (draft.organisation_id, draft.created_by_id) == (earlier.organisation_id, user.id)
    assert answers(draft) == answers(earlier)
    assert answers(draft)["fields"]["system_name"]  # not a comparison of two empty notices
    # Each notice owns its files: the copy's are stored again under keys of their own.
    assert draft.attachments
    assert not {a.storage_key for a in draft.attachments} & {
        a.storage_key for a in earlier.attachments
    }
    # A filing states these afresh.
    assert draft.planned_date is None
    assert (draft.declarant_name, draft.declarant_title) == ("", "")
    assert not draft.declaration_confirmed
    assert draft.receipt_number is None


def test_a_change_starts_with_everything_the_accepted_notice_said(people):
    accepted = with_groups(notice_at(Status.ACCEPTED, people))
    user = people.provider_a_user

    change = operations.create_draft(user, "change", accepted.id)
    db.session.commit()

    assert (change.notice_type, change.refers_to_id) == ("change", accepted.id)
    assert_started_from(change, accepted, user)


@pytest.mark.parametrize("status", [Status.RETURNED, Status.WITHDRAWN])
def test_a_returned_or_withdrawn_notice_is_filed_again_from_its_page(signed_in, people, status):
    earlier = with_groups(notice_at(status, people))
    before = state_of(earlier.id)
    page = signed_in.get(f"/notices/{earlier.id}").get_data(as_text=True)
    button = re.search(rf'action="/notices/{earlier.id}/file-again".*?</form>', page, re.S)
    # A second press while the first is on its way starts no second draft.
    assert "data-submit-once" in button.group(0) and "js/submit-once.js" in page

    response = signed_in.post(f"/notices/{earlier.id}/file-again")

    assert response.status_code == 303
    draft_id = int(re.search(r"/notices/(\d+)/edit$", response.headers["Location"]).group(1))
    draft = db.session.get(Notice, draft_id)
    assert (draft.notice_type, draft.refers_to_id) == ("new", None)
    assert_started_from(draft, earlier, people.provider_a_user)
    assert state_of(earlier.id) == before
    edit = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert f"This new draft holds the answers and documents of {earlier.receipt_number}" in edit
    if status == Status.RETURNED:  # the draft's overview keeps what the review said
        reasons = confirmed_decision(earlier).reasons
        assert reasons and str(escape(reasons)) in edit
    assert f"Filed again from {earlier.receipt_number}" in edit
    # The earlier notice's page says it has been started again, so it is not done twice.
    page = signed_in.get(f"/notices/{earlier.id}").get_data(as_text=True)
    assert re.search(rf'<dt>Filed again as</dt><dd><a href="/notices/{draft_id}/edit">', page)


def test_a_returned_change_is_filed_again_as_a_change_of_the_same_notice(people):
    accepted = notice_at(Status.ACCEPTED, people)
    returned = notice_at(Status.RETURNED, people, notice_type="change", refers_to_id=accepted.id)
    assert returned.refers_to_id == accepted.id

    draft = operations.file_again(returned, people.provider_a_user)

    assert (draft.notice_type, draft.refers_to_id) == ("change", accepted.id)


@pytest.mark.parametrize(
    "status",
    [
        Status.DRAFT,
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.INFORMATION_REQUESTED,
        Status.ACCEPTED,
    ],
)
def test_a_notice_still_alive_or_accepted_is_not_filed_again(signed_in, people, status):
    notice = notice_at(status, people)
    before, count = state_of(notice.id), notices()

    response = signed_in.post(f"/notices/{notice.id}/file-again")

    assert response.status_code == 409
    assert "Only a returned or withdrawn notice can be filed again." in response.get_data(
        as_text=True
    )
    assert (state_of(notice.id), notices()) == (before, count)


def test_another_providers_notice_cannot_be_filed_again(client, auth, people):
    theirs = notice_at(Status.RETURNED, people)  # provider A's
    count = notices()
    auth.login(client, people.provider_b)

    response = client.post(f"/notices/{theirs.id}/file-again")

    assert response.status_code == 404
    assert notices() == count


def test_deleting_the_new_draft_leaves_the_earlier_notice_s_files(signed_in, people):
    earlier = notice_at(Status.RETURNED, people)
    kept = {a.storage_key: storage().get(a.storage_key) for a in earlier.attachments}
    draft_url = signed_in.post(f"/notices/{earlier.id}/file-again").headers["Location"]
    draft_id = int(re.search(r"/notices/(\d+)/edit$", draft_url).group(1))

    assert signed_in.post(f"/notices/{draft_id}/delete").status_code in (302, 303)

    assert db.session.get(Notice, draft_id) is None
    assert {key: storage().get(key) for key in kept} == kept


def test_the_accepted_notice_page_starts_a_material_change_of_it(signed_in, people):
    accepted = notice_at(Status.ACCEPTED, people)
    page = signed_in.get(f"/notices/{accepted.id}").get_data(as_text=True)
    form = re.search(
        r'<form method="post" action="/notices/new"[^>]*>(.*?)</form>', page, re.S
    ).group(1)
    sent = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert sent["notice_type"] == "change"

    response = signed_in.post("/notices/new", data=sent)

    assert response.status_code == 302
    change = db.session.scalar(select(Notice).where(Notice.refers_to_id == accepted.id))
    assert change.notice_type == "change"
    assert response.headers["Location"].endswith(f"/notices/{change.id}/edit")
    assert_started_from(change, accepted, people.provider_a_user)


def test_the_examiner_sees_what_the_new_filing_changes_from_the_returned_one(client, auth, people):
    returned = notice_at(Status.RETURNED, people, system_version="1.0")
    user = people.provider_a_user
    draft = operations.file_again(returned, user)
    db.session.commit()
    auth.login(client, people.reviewer)
    # A draft is the provider's own: staff learn of it once it is filed.
    earlier_page = client.get(f"/review/notices/{returned.id}").get_data(as_text=True)
    assert "Filed again as" not in earlier_page
    operations.save_section(
        draft, {"planned_date": default_planned_date(), **DECLARATION, "system_version": "1.1"}
    )
    operations.submit_notice(draft, user, now=calendar.utcnow(), rules=rules())
    db.session.commit()

    page = client.get(f"/review/notices/{draft.id}").get_data(as_text=True)

    assert re.search(
        rf'<dt>Filed again from</dt><dd><a href="/review/notices/{returned.id}">'
        rf"{returned.receipt_number}</a> \(Returned\)",
        page,
    )
    heading = f"What differs from {returned.receipt_number}, the notice this one files again"
    assert heading in page
    differences = page.split(heading, 1)[1].split("</table>", 1)[0]
    assert "<del>1.0</del>" in differences and "<ins>1.1</ins>" in differences
    # What the provider had to state afresh differs too; nothing else does.
    assert "System name" not in differences
    earlier_page = client.get(f"/review/notices/{returned.id}").get_data(as_text=True)
    assert re.search(
        rf'<dt>Filed again as</dt><dd><a href="/review/notices/{draft.id}">'
        rf"{draft.receipt_number}</a> \(Submitted\)",
        earlier_page,
    )


def test_a_change_still_in_review_is_pointed_out_before_another_starts_from_the_same_notice(
    signed_in, people
):
    from tests.filing_helpers import complete_draft

    user = people.provider_a_user
    accepted = notice_at(Status.ACCEPTED, people)
    quiet = signed_in.get(f"/notices/{accepted.id}").get_data(as_text=True)
    assert "is still in review" not in quiet

    pending = complete_draft(user, notice_type="change", refers_to_id=accepted.id)
    operations.submit_notice(pending, user, now=calendar.utcnow(), rules=rules())
    db.session.commit()
    said = (
        f"{pending.receipt_number}, which refers to {accepted.receipt_number}, is still in review."
    )

    page = signed_in.get(f"/notices/{accepted.id}").get_data(as_text=True)
    assert said in page
    assert f'href="/notices/{pending.id}"' in page

    second = operations.create_draft(user, "change", accepted.id)
    db.session.commit()
    draft_page = signed_in.get(f"/notices/{second.id}/edit").get_data(as_text=True)
    assert said in draft_page
    # Once decided, it is no longer pointed at.
    pending.status = Status.ACCEPTED
    db.session.commit()
    assert "is still in review" not in signed_in.get(f"/notices/{second.id}/edit").get_data(
        as_text=True
    )
