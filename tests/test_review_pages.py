"""The review as people see it: the staff page of a notice, the provider's page of the same
notice, refusals with their reasons, markup shown as text, who may open /review/ at all,
and the supervisor's overview."""

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from flask import current_app
from markupsafe import escape

from app.accounts.models import Role
from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.i18n import file_size
from app.review import operations as ops
from tests.factories import make_user
from tests.filing_helpers import SECURITY, SYSTEM, distinct_pdf, first_exchange, minimal_pdf
from tests.review_helpers import (
    assign,
    awaiting_reply,
    business_days_before,
    confirm,
    filed_notice,
    jst_today,
    notice_at,
    pdf_file,
    propose,
    request_info,
    respond,
    send_back,
    state_of,
    take,
    version_on,
)

INTERNAL = "ZX-INTERNAL-7731: provider's CISO left in October"
MARKUP = "<script>alert(1)</script> {{7*7}}"


def page_of(response, status=200) -> str:
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def section(page: str, labelled_by: str) -> str:
    match = re.search(
        rf'<section[^>]*aria-labelledby="{labelled_by}"[^>]*>(.*?)</section>', page, re.S
    )
    assert match, f"no section {labelled_by}"
    return match.group(1)


def shown(text) -> str:
    return str(escape(text))


def size_text(size: int) -> str:
    """A file size as the English pages show it."""
    with current_app.test_request_context(headers={"Accept-Language": "en"}):
        return file_size(size)


@pytest.fixture
def staff(client, auth, people):
    auth.login(client, people.reviewer)
    return client


@pytest.fixture
def provider(app, auth, people):
    browser = app.test_client()
    auth.login(browser, people.provider_a_user)
    return browser


@pytest.fixture
def checker(people):
    user = make_user(Role.SUPERVISOR, name="Shun Checker", email="checker@fsa.example.com")
    db.session.commit()
    return user


# --- the staff page -------------------------------------------------------------------------


def test_the_staff_page_shows_every_section_of_the_filed_version(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    snapshot = json.loads(notice.latest_version.snapshot)
    filed_name = people.org_a.name_ja
    people.org_a.name_ja = "改称後株式会社"  # a later profile edit does not rewrite the filing
    db.session.commit()

    page = page_of(staff.get(f"/review/notices/{notice.id}"))

    assert notice.receipt_number in page
    assert notice.latest_version.fingerprint in page
    provider = section(page, "snap-provider")
    assert shown(filed_name) in provider
    assert "改称後株式会社" not in provider
    assert snapshot["provider"]["corporate_number"] in provider
    assert shown(snapshot["provider"]["contact_email"]) in provider
    assert "New service" in section(page, "snap-notice")
    planned = date.fromisoformat(snapshot["notice"]["planned_date"])
    assert format_date(planned, "long", locale="en") in section(page, "snap-notice")
    system = section(page, "snap-system")
    for name in (
        "system_name",
        "system_version",
        "hosting_provider",
        "supported_assets",
        "description",
    ):
        assert shown(SYSTEM[name]) in system, name
    assert "Hot-wallet management" in system
    assert first_exchange().registration_number in section(page, "snap-clients")
    security = section(page, "snap-security")
    for name in ("access_controls", "pentest_tester", "personnel_security"):
        assert shown(SECURITY[name]) in security, name
    assert "MPC (threshold signatures) (2 / 3)" in security
    assert "山田 太郎" in section(page, "snap-declaration")
    filed = snapshot["attachments"][0]
    attachments = section(page, "snap-attachments")
    assert filed["display_name"] in attachments
    assert filed["sha256"] in attachments
    assert shown(size_text(filed["size"])) in attachments


def test_the_staff_page_lists_each_document_once_in_section_6_and_serves_it(staff, people):
    """Name, kind, size, SHA-256 and the download, in the attachments section of the filed
    version, which also prints; no second list of the same files."""
    notice = notice_at(Status.UNDER_REVIEW, people)
    attachment = notice.attachments[0]

    page = page_of(staff.get(f"/review/notices/{notice.id}"))

    documents = section(page, "snap-attachments")
    link = f"/review/notices/{notice.id}/attachments/{attachment.id}"
    assert f'<a href="{link}">{attachment.display_name}</a>' in documents
    assert "System architecture" in documents
    assert attachment.sha256 in documents
    assert shown(size_text(attachment.size)) in documents
    assert page.count(attachment.sha256) == 1
    assert page.count(f'href="{link}"') == 1
    assert 'aria-labelledby="files-title"' not in page
    # On paper too: the section is not left out of the printout.
    assert '<section class="notice-section" aria-labelledby="snap-attachments">' in page
    download = staff.get(link)
    assert download.status_code == 200
    assert download.data == minimal_pdf()
    assert download.mimetype == "application/pdf"


def test_a_file_sent_with_a_response_is_listed_and_linked_with_the_others(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    request_info(notice, people.reviewer)
    respond(notice, people.provider_a_user, files=[pdf_file("pentest-2026.pdf")])
    db.session.commit()

    page = page_of(staff.get(f"/review/notices/{notice.id}"))

    documents = section(page, "snap-attachments")
    for attachment in notice.attachments:
        link = f"/review/notices/{notice.id}/attachments/{attachment.id}"
        assert f'<a href="{link}">{attachment.display_name}</a>' in documents
        assert page.count(f'href="{link}"') == 1
    assert len(notice.attachments) == 2


def test_the_timeline_shows_every_event_and_internal_notes_to_staff(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    ops.add_internal_note(notice, people.reviewer, INTERNAL)
    request_info(notice, people.reviewer, comment="Send the SOC 2 report.")
    db.session.commit()

    history = section(page_of(staff.get(f"/review/notices/{notice.id}")), "history-title")

    items = re.findall(r"<li[^>]*>(.*?)</li>", history, re.S)
    assert len(items) == 4
    for label, item in zip(
        ["Submitted", "Taken for review", "Internal note", "Information requested"],
        items,
        strict=True,
    ):
        assert label in item
    assert shown(INTERNAL) in items[2]
    assert "[staff only]" in items[2]
    assert "Send the SOC 2 report." in items[3]
    assert people.reviewer.name in items[1]


def test_a_note_is_saved_from_the_staff_page(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)

    saved = staff.post(f"/review/notices/{notice.id}/note", data={"body": INTERNAL})

    assert saved.status_code == 303
    assert shown(INTERNAL) in page_of(staff.get(saved.location))


# --- the provider's page --------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s in Status if s != Status.DRAFT])
def test_the_provider_never_sees_internal_notes(provider, people, status):
    notice = notice_at(status, people)
    ops.add_internal_note(notice, people.supervisor, INTERNAL)
    db.session.commit()

    page = page_of(provider.get(f"/notices/{notice.id}"))

    assert "ZX-INTERNAL-7731" not in page
    assert "Internal note" not in page
    assert "staff only" not in page


def test_the_provider_sees_who_handles_the_notice_once_taken(provider, people):
    notice = notice_at(Status.SUBMITTED, people)
    page = page_of(provider.get(f"/notices/{notice.id}"))
    assert "Handled by" not in page
    assert people.reviewer.email not in page

    take(notice, people.reviewer)
    db.session.commit()

    page = page_of(provider.get(f"/notices/{notice.id}"))
    assert "Handled by" in page
    assert f"{people.reviewer.name} ({people.reviewer.email})" in page
    assert "Under review" in page


def test_the_provider_sees_a_proposed_decision_as_under_review(provider, people):
    notice = notice_at(Status.DECISION_PROPOSED, people)
    page = page_of(provider.get(f"/notices/{notice.id}"))
    summary = re.search(r'<dl class="summary">(.*?)</dl>', page, re.S).group(1)
    assert "Under review" in summary
    assert "Decision proposed" not in summary


def test_the_maker_checker_exchange_stays_with_staff_until_confirmed(provider, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    propose(notice, people.reviewer, outcome="return", reasons="Draft reasons R-1.")
    send_back(notice, people.supervisor, comment="Checker remark C-1.")
    propose(notice, people.reviewer, outcome="accept", reasons="Draft reasons R-2.")
    db.session.commit()

    page = page_of(provider.get(f"/notices/{notice.id}"))

    for secret in (
        "Decision proposed",
        "Draft reasons R-1.",
        "Checker remark C-1.",
        "Draft reasons R-2.",
        "Sent back for review",
    ):
        assert secret not in page, secret


def history_items(page: str) -> list[str]:
    """The history's entries as text, one line each."""
    items = re.findall(r"<li[^>]*>(.*?)</li>", section(page, "history-title"), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


# What a page must not give away while the maker-checker exchange runs, in its text or
# its markup (class names, data attributes): the internal status, and the steps.
EXCHANGE = ("decision_proposed", "proposed", "propose", "sent back", "send_back", "send back")


def tells_nothing_of_the_exchange(page: str) -> None:
    for secret in EXCHANGE:
        assert secret not in page.lower(), secret


def test_the_provider_history_shows_each_change_as_the_provider_sees_it(provider, people):
    notice = notice_at(Status.SUBMITTED, people)
    take(notice, people.reviewer)
    assign(notice, people.supervisor, people.reviewer)
    request_info(notice, people.reviewer, comment="Send the SOC 2 report.")
    respond(notice, people.provider_a_user)
    propose(notice, people.reviewer, outcome="return", reasons="Draft reasons R-1.")
    send_back(notice, people.supervisor, comment="Checker remark C-1.")
    propose(notice, people.reviewer, outcome="accept", reasons="Draft reasons R-2.")
    db.session.commit()
    assert notice.status == Status.DECISION_PROPOSED

    page = page_of(provider.get(f"/notices/{notice.id}"))
    dashboard = page_of(provider.get("/notices/"))

    tells_nothing_of_the_exchange(page)
    tells_nothing_of_the_exchange(dashboard)
    assert 'class="status status--under_review"' in page
    assert 'class="status status--under_review"' in dashboard
    items = history_items(page)
    for item, (action, change) in zip(
        items,
        [
            ("Submitted", "Draft → Received"),
            ("Taken for review", "Received → Under review"),
            # Under review before and after: no change to name.
            ("Assigned", None),
            ("Information requested", "Under review → Information requested"),
            ("Provider responded", "Information requested → Under review"),
        ],
        strict=True,
    ):
        assert action in item, item
        if change:
            assert f": {change}" in item, item
        else:
            assert "→" not in item, item
    # Staff are named by role; only the handler is named (beside the assignment, and as
    # "Handled by"), as before.
    assert people.supervisor.name not in page

    confirm(notice, people.supervisor)
    db.session.commit()

    page = page_of(provider.get(f"/notices/{notice.id}"))
    tells_nothing_of_the_exchange(page)
    assert 'class="status status--accepted"' in page
    confirmed = history_items(page)[-1]
    assert "Decision confirmed" in confirmed
    assert ": Under review → Accepted" in confirmed


def test_the_provider_history_names_its_statuses_in_japanese(provider, people):
    notice = notice_at(Status.INFORMATION_REQUESTED, people)
    provider.post("/language", data={"lang": "ja", "next": "/"})

    page = page_of(provider.get(f"/notices/{notice.id}"))

    items = history_items(page)
    assert ": 受付済み → 審査中" in items[1], items[1]
    assert ": 審査中 → 追加資料の提出依頼中" in items[2], items[2]


def test_a_provider_told_of_a_change_on_an_old_page_is_not_told_of_a_proposal(provider, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    version = notice.version  # the page the provider has open carries it
    propose(notice, people.reviewer, reasons="Draft reasons R-1.")
    db.session.commit()

    stale = provider.post(
        f"/notices/{notice.id}/withdraw",
        data={"version": version, "reason": "We no longer offer the service."},
    )

    page = page_of(stale, 409)
    assert "Nothing was saved" in page
    tells_nothing_of_the_exchange(page)
    assert people.reviewer.name not in page
    db.session.expire_all()
    assert notice.status == Status.DECISION_PROPOSED


def test_a_provider_told_of_a_change_on_an_old_page_sees_it_as_in_its_history(provider, people):
    notice = notice_at(Status.SUBMITTED, people)
    version = notice.version  # the page the provider has open carries it
    assign(notice, people.supervisor, people.reviewer)
    db.session.commit()

    stale = provider.post(
        f"/notices/{notice.id}/withdraw",
        data={"version": version, "reason": "We no longer offer the service."},
    )

    page = page_of(stale, 409)
    assert "Last change: Assigned by Supervisor at" in page
    assert people.supervisor.name not in page


def test_the_provider_sees_the_clock_stopped_while_information_is_requested(provider, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    reply_by = calendar.add_business_days(jst_today(), 10)
    request_info(notice, people.reviewer, reply_by=reply_by)
    db.session.commit()

    page = page_of(provider.get(f"/notices/{notice.id}"))

    summary = re.search(r'<dl class="summary">(.*?)</dl>', page, re.S).group(1)
    assert "The review clock is stopped until you respond" in summary
    assert f"Please respond by {format_date(reply_by, 'long', locale='en')}." in summary
    assert format_date(notice.review_deadline, "long", locale="en") not in summary


def test_the_provider_sees_the_review_deadline_while_the_clock_runs(provider, people):
    notice = notice_at(Status.UNDER_REVIEW, people)

    page = page_of(provider.get(f"/notices/{notice.id}"))

    summary = re.search(r'<dl class="summary">(.*?)</dl>', page, re.S).group(1)
    assert format_date(notice.review_deadline, "long", locale="en") in summary
    assert "clock is stopped" not in summary


def test_the_provider_answers_an_information_request_from_the_page(provider, staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    request_info(
        notice,
        people.reviewer,
        comment="Send the penetration test report.",
        reply_by=calendar.add_business_days(jst_today(), 10),
    )
    db.session.commit()

    page = page_of(provider.get(f"/notices/{notice.id}"))
    assert "Send the penetration test report." in page
    assert "Information requested" in page
    form = re.search(r'<form[^>]*action="/notices/\d+/respond".*?</form>', page, re.S)
    assert form, "no form to answer the request"
    assert 'name="message"' in form.group(0)
    assert 'type="file"' in form.group(0)

    sent = provider.post(
        f"/notices/{notice.id}/respond",
        data={
            "version": version_on(form.group(0)),
            "message": "Report attached.",
            "category": "security_assessment",
            "files": [(io.BytesIO(distinct_pdf()), "pentest-report.pdf")],
        },
        content_type="multipart/form-data",
    )

    assert sent.status_code == 303
    page = page_of(provider.get(f"/notices/{notice.id}"))
    assert "Your response" in page
    assert "Report attached." in page
    assert 'action="/notices/' + str(notice.id) + '/respond"' not in page
    staff_page = page_of(staff.get(f"/review/notices/{notice.id}"))
    assert "pentest-report.pdf" in section(staff_page, "snap-attachments")
    assert re.search(r"<dt>Version</dt><dd>2 ", staff_page)


def test_a_response_with_the_same_file_twice_is_refused_beside_the_files(provider, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    request_info(notice, people.reviewer, reply_by=calendar.add_business_days(jst_today(), 10))
    db.session.commit()
    form = page_of(provider.get(f"/notices/{notice.id}"))
    data = distinct_pdf()

    sent = provider.post(
        f"/notices/{notice.id}/respond",
        data={
            "version": version_on(form),
            "message": "Report attached.",
            "category": "security_assessment",
            "files": [(io.BytesIO(data), "report.pdf"), (io.BytesIO(data), "report-copy.pdf")],
        },
        content_type="multipart/form-data",
    )

    page = page_of(sent, 422)
    assert "This file is already attached as report.pdf." in page
    assert 'action="/notices/' + str(notice.id) + '/respond"' in page
    db.session.expire_all()
    assert notice.status == Status.INFORMATION_REQUESTED


def test_a_response_whose_second_file_is_not_a_pdf_names_that_file(provider, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    request_info(notice, people.reviewer, reply_by=calendar.add_business_days(jst_today(), 10))
    db.session.commit()
    held = [a.display_name for a in notice.attachments]
    form = page_of(provider.get(f"/notices/{notice.id}"))

    sent = provider.post(
        f"/notices/{notice.id}/respond",
        data={
            "version": version_on(form),
            "message": "Two files.",
            "category": "security_assessment",
            "files": [
                (io.BytesIO(distinct_pdf()), "access-policy.pdf"),
                (io.BytesIO(b"not a pdf at all"), "fake.pdf"),
            ],
        },
        content_type="multipart/form-data",
    )

    page = page_of(sent, 422)
    assert "fake.pdf: The file is not a PDF document. Only PDF files can be attached." in page
    db.session.expire_all()
    assert notice.status == Status.INFORMATION_REQUESTED
    assert [a.display_name for a in notice.attachments] == held


def test_the_provider_sees_the_decision_once_confirmed(provider, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    propose(notice, people.reviewer, outcome="return", reasons="Key custody is unclear.")
    db.session.commit()
    assert 'id="decision-title"' not in page_of(provider.get(f"/notices/{notice.id}"))

    confirm(notice, people.supervisor)
    db.session.commit()

    page = page_of(provider.get(f"/notices/{notice.id}"))
    decision = section(page, "decision-title")
    assert "Returned" in decision
    assert "Key custody is unclear." in decision
    assert calendar.to_jst(notice.decided_at).strftime("%Y-%m-%d %H:%M JST") in decision


# --- refusals -------------------------------------------------------------------------------


TITLES = {
    409: "This action could not be carried out",
    403: "You do not have access to this page",
}


def refused(response, reason, status=409):
    """The refusal page: 409 when the status or the input does not allow the action, 403
    when it is not for this person; either way the reason is on the page."""
    page = page_of(response, status)
    assert TITLES[status] in page
    assert reason in re.search(r'<p class="refusal">(.*?)</p>', page, re.S).group(1)
    return page


def test_the_proposer_confirming_is_refused_with_the_reason(client, auth, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    propose(notice, people.supervisor)
    db.session.commit()
    auth.login(client, people.supervisor)
    page = page_of(client.get(f"/review/notices/{notice.id}"))
    assert "another supervisor must confirm it" in page
    before = state_of(notice.id)

    response = client.post(
        f"/review/notices/{notice.id}/confirm-decision", data={"version": notice.version}
    )

    refused(response, "it must be confirmed by someone other than the proposer")
    assert state_of(notice.id) == before


REFUSALS = {
    "take-accepted": (
        Status.ACCEPTED,
        "reviewer",
        "take",
        {},
        409,
        "Taking the notice for review is not possible while the notice is “Accepted”.",
    ),
    "request-submitted": (
        Status.SUBMITTED,
        "supervisor",
        "request-information",
        {"comment": "More.", "reply_by": "2099-01-05"},
        409,
        "Requesting information is not possible while the notice is “Submitted”.",
    ),
    "request-not-handler": (
        Status.SUBMITTED,
        "reviewer",
        "request-information",
        {"comment": "More.", "reply_by": "2099-01-05"},
        403,
        "Only the handler of this notice or a supervisor may do this.",
    ),
    "assign-reviewer": (
        Status.UNDER_REVIEW,
        "reviewer",
        "assign",
        {"assignee": "reviewer"},
        403,
        "Only a supervisor may assign notices.",
    ),
    "confirm-nothing": (
        Status.UNDER_REVIEW,
        "supervisor",
        "confirm-decision",
        {},
        409,
        "There is no proposed decision.",
    ),
    "send-back-reviewer": (
        Status.DECISION_PROPOSED,
        "reviewer",
        "send-back",
        {"comment": "No."},
        403,
        "Only a supervisor may confirm or send back.",
    ),
    "propose-withdrawn": (
        Status.WITHDRAWN,
        "supervisor",
        "propose-decision",
        {"outcome": "accept", "reasons": "Fine."},
        409,
        "Proposing a decision is not possible while the notice is “Withdrawn”.",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_action_shows_its_reason_and_writes_nothing(client, auth, people, case):
    status, who, action, data, code, reason = REFUSALS[case]
    notice = notice_at(status, people)
    if "assignee" in data:
        data = {"assignee": getattr(people, data["assignee"]).id}
    auth.login(client, getattr(people, who))
    before = state_of(notice.id)

    response = client.post(
        f"/review/notices/{notice.id}/{action}", data={"version": notice.version, **data}
    )

    refused(response, reason, code)
    assert state_of(notice.id) == before


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("request-information", {"comment": "", "reply_by": "2099-01-05"}, "comment"),
        ("request-information", {"comment": "More.", "reply_by": ""}, "reply_by"),
        ("propose-decision", {"outcome": "accept", "reasons": ""}, "reasons"),
        ("propose-decision", {"outcome": "maybe", "reasons": "Fine."}, "outcome"),
        ("note", {"body": ""}, "body"),
    ],
)
def test_an_incomplete_form_answers_422_and_writes_nothing(staff, people, action, data, field):
    notice = notice_at(Status.UNDER_REVIEW, people)
    before = state_of(notice.id)

    response = staff.post(
        f"/review/notices/{notice.id}/{action}", data={"version": notice.version, **data}
    )

    page = page_of(response, 422)
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, "no error summary"
    assert f'href="#{field}"' in summary.group(0)
    assert state_of(notice.id) == before


def earliest_reply_by() -> date:
    """The earliest reply-by date a request made today may set (the default setting)."""
    return calendar.add_business_days(jst_today(), 5)


def first_on_or_after(day: date, wanted) -> date:
    while not wanted(day):
        day += timedelta(days=1)
    return day


def too_soon_message() -> str:
    earliest = format_date(earliest_reply_by(), "long", locale="en")
    return f"The reply-by date must be {earliest} or later: at least 5 business days from today."


NOT_A_BUSINESS_DAY = (
    "The reply-by date must be a business day: not a Saturday, Sunday or national holiday, "
    "nor between 29 December and 3 January."
)
REPLY_BY_REFUSALS = {
    "today": (lambda: jst_today(), too_soon_message),
    "yesterday": (lambda: jst_today() - timedelta(days=1), too_soon_message),
    "last year": (lambda: jst_today() - timedelta(days=400), too_soon_message),
    "a business day too soon": (
        lambda: business_days_before(earliest_reply_by(), 1),
        too_soon_message,
    ),
    "a Saturday": (
        lambda: first_on_or_after(earliest_reply_by(), lambda d: d.weekday() == 5),
        lambda: NOT_A_BUSINESS_DAY,
    ),
    "31 December": (
        lambda: first_on_or_after(earliest_reply_by(), lambda d: (d.month, d.day) == (12, 31)),
        lambda: NOT_A_BUSINESS_DAY,
    ),
}


@pytest.mark.parametrize("case", list(REPLY_BY_REFUSALS))
def test_a_refused_reply_by_date_is_a_message_beside_the_field_and_keeps_the_text(
    staff, people, case
):
    day, message = (f() for f in REPLY_BY_REFUSALS[case])
    notice = notice_at(Status.UNDER_REVIEW, people)
    before = state_of(notice.id)
    wanted = "Send the SOC 2 Type II report for 2025."

    response = staff.post(
        f"/review/notices/{notice.id}/request-information",
        data={"version": notice.version, "comment": wanted, "reply_by": day.isoformat()},
    )

    page = page_of(response, 422)
    assert "This action could not be carried out" not in page
    field = re.search(r'<div class="field [^"]*field--error[^"]*">.*?</div>', page, re.S).group(0)
    assert 'id="reply_by-error"' in field
    assert f"<span>{message}</span>" in field
    assert shown(wanted) in page
    assert state_of(notice.id) == before


def test_the_earliest_permitted_reply_by_date_is_sent(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)

    response = staff.post(
        f"/review/notices/{notice.id}/request-information",
        data={
            "version": notice.version,
            "comment": "More.",
            "reply_by": earliest_reply_by().isoformat(),
        },
    )

    assert response.status_code == 303
    db.session.expire_all()
    assert notice.status == Status.INFORMATION_REQUESTED
    assert ops.open_request(notice).reply_by == earliest_reply_by()


def test_the_reply_by_field_states_the_earliest_permitted_date(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)

    page = page_of(staff.get(f"/review/notices/{notice.id}"))

    earliest = earliest_reply_by()
    field = re.search(r'<input[^>]*id="reply_by"[^>]*>', page).group(0)
    assert f'min="{earliest.isoformat()}"' in field
    assert 'aria-describedby="reply_by-hint"' in field
    hint = re.search(r'<p class="hint" id="reply_by-hint">(.*?)</p>', page, re.S).group(1)
    assert hint == (
        "A business day at least 5 business days from today. "
        f"The earliest permitted date is {format_date(earliest, 'long', locale='en')}."
    )
    # What the field offers is a date the request accepts.
    offered = date.fromisoformat(re.search(r'value="([\d-]+)"', field).group(1))
    assert offered >= earliest and calendar.is_business_day(offered)


def test_the_reply_by_field_follows_the_setting(app, staff, people):
    app.config["INFORMATION_REPLY_MIN_BUSINESS_DAYS"] = 15
    notice = notice_at(Status.UNDER_REVIEW, people)

    page = page_of(staff.get(f"/review/notices/{notice.id}"))

    earliest = calendar.add_business_days(jst_today(), 15)
    field = re.search(r'<input[^>]*id="reply_by"[^>]*>', page).group(0)
    assert f'min="{earliest.isoformat()}"' in field
    assert f'value="{earliest.isoformat()}"' in field  # the usual 10 days are too few
    assert "at least 15 business days from today" in page


# --- what is late, and who can no longer act --------------------------------------------------


def summary_of(page: str) -> str:
    return re.search(r'<dl class="summary">(.*?)</dl>', page, re.S).group(1)


def test_a_missed_reply_by_date_is_marked_on_the_staff_page(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    asked_on = business_days_before(jst_today(), 12)
    reply_by = business_days_before(jst_today(), 2)
    request_info(notice, people.reviewer, today=asked_on, reply_by=reply_by)
    db.session.commit()

    page = page_of(staff.get(f"/review/notices/{notice.id}"))

    assert (
        '<dt>Information requests</dt><dd><strong class="overdue">'
        f"Reply overdue: due by {format_date(reply_by, 'long', locale='en')}</strong></dd>"
    ) in summary_of(page)


def test_a_reply_by_date_not_yet_passed_is_not_marked(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    request_info(notice, people.reviewer)  # ten business days ahead
    db.session.commit()

    page = page_of(staff.get(f"/review/notices/{notice.id}"))

    assert "Reply overdue" not in page
    assert "(Clock stopped)" in summary_of(page)


def test_a_disabled_handler_is_marked_and_the_supervisor_can_list_their_notices(
    client, auth, people
):
    notice = notice_at(Status.UNDER_REVIEW, people)
    people.reviewer.active = False
    db.session.commit()
    auth.login(client, people.supervisor)

    page = page_of(client.get(f"/review/notices/{notice.id}"))

    handler = re.search(r"<dt>Handler</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert people.reviewer.name in handler
    assert "<strong>(account disabled)</strong>" in handler
    link = re.search(r"<a href=\"([^\"]+)\"[^>]*>List this handler.s open notices</a>", handler)
    assert link, handler
    listed = page_of(client.get(link.group(1).replace("&amp;", "&")))
    assert f">{notice.receipt_number}</a>" in listed
    # The assign form is on the same page: the supervisor reassigns at once.
    assert f'action="/review/notices/{notice.id}/assign"' in page


def test_an_active_handler_is_not_marked(staff, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    page = page_of(staff.get(f"/review/notices/{notice.id}"))
    assert "account disabled" not in page


# --- the two-person decision on the page --------------------------------------------------------


def action_messages(page: str) -> list[str]:
    """The paragraphs of the Actions section outside its forms."""
    actions = re.sub(r"<form.*?</form>", "", section(page, "actions-title"), flags=re.S)
    return [re.sub(r"\s+", " ", p).strip() for p in re.findall(r"<p[^>]*>(.*?)</p>", actions, re.S)]


@pytest.mark.parametrize("proposer", ["supervisor", "reviewer"])
def test_the_proposer_sees_one_message_only(client, auth, people, proposer):
    notice = notice_at(Status.UNDER_REVIEW, people)
    propose(notice, getattr(people, proposer))
    db.session.commit()
    auth.login(client, getattr(people, proposer))

    page = page_of(client.get(f"/review/notices/{notice.id}"))

    expected = {
        "supervisor": "You proposed this decision; another supervisor must confirm it.",
        "reviewer": "You proposed this decision; a supervisor must confirm it.",
    }[proposer]
    assert action_messages(page) == [expected]
    assert "No action is available" not in page


@pytest.mark.parametrize(
    ("outcome", "verb"), [("accept", "accept"), ("return", "return")], ids=["accept", "return"]
)
def test_confirming_a_decision_asks_first_and_says_what_follows(
    client, auth, people, checker, outcome, verb
):
    notice = notice_at(Status.UNDER_REVIEW, people)
    propose(notice, people.reviewer, outcome=outcome)
    db.session.commit()
    auth.login(client, checker)

    page = page_of(client.get(f"/review/notices/{notice.id}"))

    confirm_form = re.search(
        r'<form[^>]*action="/review/notices/\d+/confirm-decision"[^>]*>', page
    ).group(0)
    assert (
        f'data-confirm="Confirm the decision to {verb} {notice.receipt_number}? The decision '
        "becomes final: the decision notice (PDF) is issued and the provider is told by "
        'e-mail. This cannot be undone."'
    ) in confirm_form
    send_back_form = re.search(
        r'<form[^>]*action="/review/notices/\d+/send-back"[^>]*>', page
    ).group(0)
    assert "data-confirm" not in send_back_form


# --- markup is text -------------------------------------------------------------------------


def test_markup_in_fields_is_shown_as_text_everywhere(staff, provider, people):
    people.org_a.name_ja = f"株式会社{MARKUP}"
    people.org_a.name_en = f"Evil {MARKUP} K.K."
    db.session.commit()
    notice = notice_at(
        Status.UNDER_REVIEW, people, system_name=MARKUP, description=MARKUP, supported_assets=MARKUP
    )
    ops.add_internal_note(notice, people.reviewer, MARKUP)
    request_info(notice, people.reviewer, comment=f"Explain {MARKUP}")
    db.session.commit()

    pages = {
        "queue": page_of(staff.get("/review/")),
        "queue search": page_of(staff.get("/review/", query_string={"q": "<script>"})),
        "staff page": page_of(staff.get(f"/review/notices/{notice.id}")),
        "provider page": page_of(provider.get(f"/notices/{notice.id}")),
    }

    for where, page in pages.items():
        assert "<script>alert(1)</script>" not in page, where
        assert shown("<script>alert(1)</script>") in page, where
        assert "{{7*7}}" in page, where
    assert pages["queue search"].count(shown("<script>alert(1)</script>")) >= 3
    assert "Explain " + shown(MARKUP) in pages["provider page"]
    assert shown(f"株式会社{MARKUP}") in pages["staff page"]


def test_a_staff_name_with_markup_is_text_on_the_provider_page(provider, people):
    people.reviewer.name = MARKUP
    db.session.commit()
    notice = notice_at(Status.UNDER_REVIEW, people)

    page = page_of(provider.get(f"/notices/{notice.id}"))

    assert "<script>alert(1)</script>" not in page
    assert shown(MARKUP) in page


# --- who may open /review/ ------------------------------------------------------------------

ROUTES = [
    ("GET", "/review/"),
    ("GET", "/review/overview"),
    ("GET", "/review/notices/{id}"),
    ("GET", "/review/notices/{id}/attachments/{attachment}"),
    ("POST", "/review/notices/{id}/take"),
    ("POST", "/review/notices/{id}/assign"),
    ("POST", "/review/notices/{id}/request-information"),
    ("POST", "/review/notices/{id}/propose-decision"),
    ("POST", "/review/notices/{id}/confirm-decision"),
    ("POST", "/review/notices/{id}/send-back"),
    ("POST", "/review/notices/{id}/note"),
]
# Staff answers: a POST without form data is an incomplete form (422); a reviewer may not
# open the overview.
EXPECTED = {
    "guest": lambda method, path: 302,
    "provider_a_user": lambda method, path: 403,
    "provider_a_admin": lambda method, path: 403,
    "provider_b": lambda method, path: 403,
    "administrator": lambda method, path: 403,
    "reviewer": lambda method, path: (
        403 if path.endswith("overview") else (422 if method == "POST" else 200)
    ),
    "supervisor": lambda method, path: 422 if method == "POST" else 200,
}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_review_pages_are_for_review_staff_only(client, auth, people, who, method, route):
    notice = notice_at(Status.SUBMITTED, people)
    if who != "guest":
        auth.login(client, getattr(people, who))
    path = route.format(id=notice.id, attachment=notice.attachments[0].id)
    before = state_of(notice.id)

    response = client.open(path, method=method, data={})

    assert response.status_code == EXPECTED[who](method, path)
    if who == "guest":
        assert response.location.startswith("/login")
    assert state_of(notice.id) == before


@pytest.mark.parametrize("who", ["provider_a_user", "provider_a_admin"])
def test_providers_download_their_files_only_from_their_own_pages(client, auth, people, who):
    notice = notice_at(Status.UNDER_REVIEW, people)
    attachment = notice.attachments[0]
    auth.login(client, getattr(people, who))

    assert client.get(f"/review/notices/{notice.id}/attachments/{attachment.id}").status_code == 403
    own = client.get(f"/notices/{notice.id}/attachments/{attachment.id}")
    assert own.status_code == 200
    assert own.data == minimal_pdf()


def test_a_posted_action_from_a_provider_changes_nothing(client, auth, people):
    notice = notice_at(Status.SUBMITTED, people)
    auth.login(client, people.provider_a_admin)
    before = state_of(notice.id)

    response = client.post(f"/review/notices/{notice.id}/take", data={"version": notice.version})

    assert response.status_code == 403
    assert state_of(notice.id) == before


# --- the supervisor's overview --------------------------------------------------------------


def test_a_reviewer_may_not_open_the_overview(staff, people):
    assert staff.get("/review/overview").status_code == 403


def test_the_overview_shows_counts_overdue_median_and_load(client, auth, people, checker):
    org, user = people.org_a, people.provider_a_user
    today = jst_today()
    late = filed_notice(
        org,
        user,
        status=Status.UNDER_REVIEW,
        handler=people.reviewer,
        deadline=business_days_before(today, 2),
        system_name="LateVault",
    )
    filed_notice(org, user, status=Status.UNDER_REVIEW, handler=people.reviewer)
    filed_notice(
        org,
        user,
        status=Status.INFORMATION_REQUESTED,
        handler=checker,
        deadline=business_days_before(today, 5),
    )  # the clock stands still
    filed_notice(org, user, status=Status.SUBMITTED)
    for days in (2, 4, 10):
        receipt = business_days_before(today, days)
        filed_notice(
            org,
            user,
            status=Status.ACCEPTED,
            received=calendar.utcnow(),
            receipt_date=receipt,
            decided_at=calendar.utcnow(),
        )
    filed_notice(
        org, user, status=Status.RETURNED, decided_at=calendar.utcnow() - timedelta(days=120)
    )  # outside the 90 days
    db.session.commit()
    auth.login(client, people.supervisor)

    page = page_of(client.get("/review/overview"))

    per_status = page[page.index("Notices per status") : page.index("Time to decision")]
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd><a [^>]*>(\d+)</a></dd>", per_status))
    assert counts == {
        "Submitted": "1",
        "Under review": "2",
        "Information requested": "1",
        "Decision proposed": "0",
        "Accepted": "3",
        "Returned": "1",
        "Withdrawn": "0",
    }
    overdue = page[page.index(">Overdue<") : page.index("Open notices per handler")]
    assert late.receipt_number in overdue
    assert "LateVault" in overdue
    assert overdue.count("<li>") == 1
    assert "<dt>Past the review deadline</dt><dd>1</dd>" in overdue
    assert "Median over the last 90 days: 4 business days" in page
    assert "(3 decisions)" in page
    load = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", page)
    assert load == [(people.reviewer.name, "2"), (checker.name, "1")]


def test_the_overview_counts_replies_overdue_and_opens_the_queue_on_them(client, auth, people):
    today = jst_today()
    late = [
        awaiting_reply(people, "Late reply", (today - timedelta(days=3), False)),
        awaiting_reply(people, "Later reply", (today - timedelta(days=1), False)),
    ]
    awaiting_reply(people, "Reply due today", (today, False))
    awaiting_reply(
        people, "Asked again", (today - timedelta(days=9), True), (today + timedelta(days=7), False)
    )
    db.session.commit()
    auth.login(client, people.supervisor)

    page = page_of(client.get("/review/overview"))

    overdue = page[page.index(">Overdue<") : page.index("Open notices per handler")]
    assert "Nothing is overdue." not in overdue
    assert "<dt>Past the review deadline</dt><dd>0</dd>" in overdue
    link = re.search(
        r"<dt>Past the reply-by date of an information request</dt>"
        r'<dd><a href="([^"]+)">(\d+)</a></dd>',
        overdue,
    )
    assert link and link.group(2) == "2"
    queue = page_of(client.get(link.group(1).replace("&amp;", "&")))
    listed = re.findall(r'<td data-label="Receipt number"><a [^>]*>([^<]+)</a>', queue)
    assert sorted(listed) == sorted(n.receipt_number for n in late)


def test_the_overview_says_nothing_is_overdue_only_when_nothing_is(client, auth, people):
    awaiting_reply(people, "Reply due today", (jst_today(), False))
    db.session.commit()
    auth.login(client, people.supervisor)

    page = page_of(client.get("/review/overview"))

    overdue = page[page.index(">Overdue<") : page.index("Open notices per handler")]
    assert "Nothing is overdue." in overdue
    assert "Past the reply-by date" not in overdue


def test_the_overview_counts_overdue_notices_from_indexes(app, people):
    """Both overdue counts are one statement that reads the (status, deadline) index and,
    for the notices awaiting a reply, each one's requests by (notice_id, id): never the
    whole table of notices, which grows with every decided one."""
    from sqlalchemy import event

    from app.review.overview_stats import overdue_counts

    awaiting_reply(people, "Late reply", (jst_today() - timedelta(days=3), False))
    for _ in range(5):
        filed_notice(people.org_a, people.provider_a_user, status=Status.ACCEPTED)
    db.session.commit()
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert overdue_counts(jst_today()) == (0, 1)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    (statement, parameters), *_ = [(s, p) for s, p in seen if "count(" in s.lower()]
    assert len([s for s, _p in seen if "count(" in s.lower()]) == 1
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            lines = [str(row[-1]) for row in plan]
            assert not any(line.startswith("SCAN notices") for line in lines), lines
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            text = "\n".join(str(row[0]) for row in plan)
            assert "Seq Scan on notices" not in text, text
            assert "ix_information_requests_notice" in text, text


# --- layout rules the browser tests cannot see in a screenshot ---------------------------------

STATIC = Path(__file__).resolve().parent.parent / "static" / "css"


def css_rules(name: str) -> dict[str, str]:
    """Each rule of a style sheet as selector -> declarations, comments left out."""
    text = re.sub(r"/\*.*?\*/", "", (STATIC / name).read_text(), flags=re.S)
    return {
        " ".join(selector.split()): body.strip()
        for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text)
    }


def test_printed_sections_flow_instead_of_one_a_page():
    rules = css_rules("print.css")
    assert not any("break-before: page" in body for body in rules.values())
    assert "break-inside: auto" in rules[".notice-section"]
    assert "break-inside: avoid" in rules["tr, th, td, li, dd"]
    assert "break-after: avoid-page" in rules["h1, h2, h3, dt, caption"]
    hashes = rules[".hash, td.hash"]
    assert "overflow-wrap: anywhere" in hashes and "word-break: normal" in hashes


def test_queue_numbers_names_and_times_keep_to_one_line_except_on_cards():
    rules = css_rules("app.css")
    (selectors,) = [s for s in rules if s.startswith("table.queue td:first-child")]
    assert rules[selectors] == "white-space: nowrap;"
    # "AN-2026-000002", "2026-11-27", "10:31 JST", "Received (JST)" and "受付日時（JST）" whole.
    for selector in (
        "table.queue td:first-child",
        "table.queue td:last-child",
        ".queue__deadline",
        ".queue__one-line",
    ):
        assert selector in selectors.split(", "), selector
    text = (STATIC / "app.css").read_text()
    phone = text[text.index("@media (max-width: 48rem)") :]
    cards = re.search(r"(table\.queue\.cards td:first-child[^{]*)\{ white-space: normal; \}", phone)
    assert cards and "table.cards .queue__one-line" in cards.group(1)
