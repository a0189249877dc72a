"""What a draft may hold and what a notice needs before it is filed: the problem list on the
submit page, the planned-date rule, thresholds, references to earlier notices, field
limits, formats, and fields a form does not know."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select, update

from app.domain import calendar
from app.domain.text import search_key
from app.domain.workflow import Status
from app.extensions import db
from app.filing import operations
from app.filing.models import Certification, Notice, NoticeClient, Subcontractor
from tests import filing_helpers
from tests.filing_helpers import complete_draft, rules

MONDAY_NOON_JST = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def row(notice_id):
    """Every column of the notice, read afresh, for "nothing was saved" checks."""
    db.session.expire_all()
    notice = db.session.get(Notice, notice_id)
    values = {c.key: getattr(notice, c.key) for c in Notice.__table__.columns}
    return values, count(NoticeClient), count(Subcontractor), count(Certification)


def text(response):
    return response.get_data(as_text=True)


def field_error(body, field_id):
    """The error message shown beside the field with ``field_id``, or None."""
    match = re.search(
        rf'<p class="error-message" id="{re.escape(field_id)}-error">(.*?)</p>', body, re.S
    )
    return None if match is None else re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.fixture(autouse=True)
def _references_cleared(app):
    """Drop references between notices before the harness empties the tables: on SQLite an
    ON DELETE RESTRICT key is checked row by row, so one `DELETE FROM notices` would fail."""
    yield
    db.session.rollback()
    db.session.execute(update(Notice).values(refers_to_id=None))
    db.session.commit()


@pytest.fixture
def blank(people):
    notice = operations.create_draft(people.provider_a_user)
    db.session.commit()
    return notice


@pytest.fixture
def draft(people):
    notice = complete_draft(people.provider_a_user)
    db.session.commit()
    return notice


# --- the problem list -------------------------------------------------------------------


def problem_links(body, notice_id):
    summary = body.split('id="error-summary-title"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', summary, re.S)


EXPECTED_ON_A_BLANK_DRAFT = [
    ("notice", "planned_date"),
    ("system", "system_name"),
    ("system", "system_version"),
    ("system", "categories"),
    ("system", "delivery_model"),
    ("system", "description"),
    ("clients", "clients"),
    ("security", "hot_wallet_percent"),
    ("security", "signing_threshold_m"),
    ("security", "pentest_date"),
    ("security", "rpo_minutes"),
    ("attachments", "attachments"),
    ("declaration", "declarant_name"),
    ("declaration", "declarant_title"),
    ("declaration", "declaration_confirmed"),
]


def test_a_blank_draft_lists_every_missing_answer_linked_to_its_field(signed_in, blank):
    response = signed_in.get(f"/notices/{blank.id}/submit")

    assert response.status_code == 200
    body = text(response)
    assert "The notice cannot be submitted yet" in body
    links = problem_links(body, blank.id)
    hrefs = [href for href, _ in links]
    for href in hrefs:
        assert re.fullmatch(rf"/notices/{blank.id}/edit/[a-z]+#[a-z_]+", href), href
    for section, field in EXPECTED_ON_A_BLANK_DRAFT:
        assert f"/notices/{blank.id}/edit/{section}#{field}" in hrefs
    # The organisation profile is complete, so the provider section has nothing to say.
    assert not any("/edit/provider#" in href for href in hrefs)
    assert len(hrefs) == len(set(hrefs)) == 29
    labels = dict(links)
    assert labels[f"/notices/{blank.id}/edit/system#system_name"] == (
        "System — System name: This is required before you submit."
    )
    assert (
        "Add at least one client exchange." in labels[f"/notices/{blank.id}/edit/clients#clients"]
    )
    assert (
        "Attach at least one PDF document."
        in labels[f"/notices/{blank.id}/edit/attachments#attachments"]
    )


def test_every_problem_link_lands_on_its_field(signed_in, blank):
    hrefs = [
        href
        for href, _ in problem_links(text(signed_in.get(f"/notices/{blank.id}/submit")), blank.id)
    ]
    pages = {}
    missing = []
    for href in hrefs:
        path, anchor = href.split("#")
        if path not in pages:
            page = signed_in.get(path)
            assert page.status_code == 200, path
            pages[path] = text(page)
        if f'id="{anchor}"' not in pages[path]:
            missing.append(href)
    assert missing == [], "links whose target element does not exist on the section page"


def test_posting_submit_on_a_blank_draft_lists_the_problems_and_files_nothing(signed_in, blank):
    response = signed_in.post(f"/notices/{blank.id}/submit", data={})

    assert response.status_code == 422
    assert len(problem_links(text(response), blank.id)) == 29
    db.session.expire_all()
    assert blank.status == Status.DRAFT
    assert blank.receipt_number is None


def test_a_complete_draft_has_no_problems(signed_in, draft):
    body = text(signed_in.get(f"/notices/{draft.id}/submit"))

    assert "The notice cannot be submitted yet" not in body
    assert "Submit the notice" in body


# --- the planned date --------------------------------------------------------------------


def planned_date_problems(notice, user, now):
    """Submit at ``now`` in an English request; the planned-date problems, or None if filed."""
    try:
        operations.submit_notice(notice, user, now=now, rules=rules())
    except operations.SubmissionIncomplete as refused:
        db.session.rollback()
        return [str(p.message) for p in refused.problems if p.field == "planned_date"]
    db.session.commit()
    return None


def test_a_planned_date_before_the_earliest_is_refused_and_the_message_names_it(app, people):
    earliest = calendar.earliest_start_date(date(2026, 6, 1), 40)
    assert earliest == date(2026, 7, 28)
    notice = complete_draft(people.provider_a_user, planned_date=earliest - timedelta(days=1))
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = planned_date_problems(notice, people.provider_a_user, MONDAY_NOON_JST)

    assert messages == [
        "The planned date must be on or after July 28, 2026 "
        "(40 business days after the day of receipt)."
    ]
    assert notice.status == Status.DRAFT


def test_the_earliest_permitted_date_itself_is_accepted(app, people):
    notice = complete_draft(people.provider_a_user, planned_date=date(2026, 7, 28))
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert planned_date_problems(notice, people.provider_a_user, MONDAY_NOON_JST) is None

    assert notice.status == Status.SUBMITTED


def test_the_advance_period_follows_the_configuration(app, people):
    app.config["ADVANCE_BUSINESS_DAYS"] = 5
    notice = complete_draft(people.provider_a_user, planned_date=date(2026, 6, 8))
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert planned_date_problems(notice, people.provider_a_user, MONDAY_NOON_JST) is None


# Friday 5 June 2026, 18:00 JST: after the end of the business day, so received on Monday
# 8 June; and Saturday 6 June, a day the FSA is closed.
FRIDAY_EVENING_JST = datetime(2026, 6, 5, 9, 0, tzinfo=UTC)
SATURDAY_NOON_JST = datetime(2026, 6, 6, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "now", [FRIDAY_EVENING_JST, SATURDAY_NOON_JST], ids=["after17", "saturday"]
)
def test_the_advance_period_counts_from_the_receipt_date_not_the_calendar_day(app, people, now):
    # Forty business days after Friday 5 June is 3 August; but this notice is received on
    # Monday 8 June, and forty business days after that is 4 August.
    assert calendar.add_business_days(date(2026, 6, 5), 40) == date(2026, 8, 3)
    assert rules().earliest_start(now) == date(2026, 8, 4)
    notice = complete_draft(people.provider_a_user, planned_date=date(2026, 8, 3))
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = planned_date_problems(notice, people.provider_a_user, now)

    assert messages == [
        "The planned date must be on or after August 4, 2026 "
        "(40 business days after the day of receipt)."
    ]
    assert notice.status == Status.DRAFT

    notice.planned_date = date(2026, 8, 4)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert planned_date_problems(notice, people.provider_a_user, now) is None
    assert notice.receipt_date == date(2026, 6, 8)
    assert calendar.business_days_between(notice.receipt_date, notice.planned_date) == 40


def test_the_section_page_names_the_earliest_date_from_the_receipt_date(
    app, signed_in, draft, monkeypatch
):
    monkeypatch.setattr(calendar, "utcnow", lambda: FRIDAY_EVENING_JST)

    section = text(signed_in.get(f"/notices/{draft.id}/edit/notice"))

    assert "after 17:00 (Japan time) or on a day the FSA is closed" in section
    assert "If you submit now, the earliest permitted date is August 4, 2026." in section
    overview = text(signed_in.get(f"/notices/{draft.id}/edit"))
    assert "If you submit now, the earliest permitted planned date is August 4, 2026." in overview


def earliest_today(app):
    return rules().earliest_start(calendar.utcnow())


def long_date(day, locale="en"):
    return format_date(day, "long", locale=locale)


def test_the_submit_page_names_the_earliest_date_and_accepts_it(app, signed_in, draft):
    before = earliest_today(app)
    signed_in.post(
        f"/notices/{draft.id}/edit/notice",
        data={"notice_type": "new", "planned_date": (before - timedelta(days=1)).isoformat()},
    )

    page = text(signed_in.get(f"/notices/{draft.id}/submit"))
    after = earliest_today(app)

    assert "The notice cannot be submitted yet" in page
    assert f'href="/notices/{draft.id}/edit/notice#planned_date"' in page
    assert any(
        f"The planned date must be on or after {long_date(day)}" in page for day in {before, after}
    )

    section = text(signed_in.get(f"/notices/{draft.id}/edit/notice"))
    assert any(
        f"the earliest permitted date is {long_date(day)}" in section for day in {before, after}
    )

    # At most two tries: the JST date may change once between choosing and submitting.
    for _attempt in range(2):
        earliest = earliest_today(app)
        signed_in.post(
            f"/notices/{draft.id}/edit/notice",
            data={"notice_type": "new", "planned_date": earliest.isoformat()},
        )
        response = signed_in.post(f"/notices/{draft.id}/submit", data={})
        if response.status_code != 422 or earliest_today(app) == earliest:
            break
    assert response.status_code == 303
    db.session.expire_all()
    assert draft.planned_date == earliest
    assert draft.status == Status.SUBMITTED


# --- m of n ------------------------------------------------------------------------------


def test_more_signatures_than_key_holders_is_refused(signed_in, draft):
    before = row(draft.id)
    saved = signed_in.post(
        f"/notices/{draft.id}/edit/security",
        data=security_form(signing_threshold_m="3", signing_threshold_n="2"),
    )
    assert saved.status_code == 422
    assert field_error(text(saved), "signing_threshold_m") == THRESHOLD
    assert row(draft.id) == before
    # Forced past the form, as a row saved before the form checked it would be.
    db.session.execute(
        update(Notice)
        .where(Notice.id == draft.id)
        .values(signing_threshold_m=3, signing_threshold_n=2)
    )
    db.session.commit()

    page = text(signed_in.get(f"/notices/{draft.id}/submit"))

    assert "The signatures required cannot exceed the number of key holders." in page
    assert f'href="/notices/{draft.id}/edit/security#signing_threshold_m"' in page
    assert signed_in.post(f"/notices/{draft.id}/submit", data={}).status_code == 422
    db.session.expire_all()
    assert draft.status == Status.DRAFT


def test_submission_refuses_a_far_planned_date_and_a_future_penetration_test(app, people):
    user = people.provider_a_user
    draft = complete_draft(user)
    db.session.commit()
    today = calendar.to_jst(MONDAY_NOON_JST).date()
    # Forced past the forms, as rows saved before the forms checked them would be.
    db.session.execute(
        update(Notice)
        .where(Notice.id == draft.id)
        .values(planned_date=date(2199, 12, 31), pentest_date=today + timedelta(days=1))
    )
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(operations.SubmissionIncomplete) as refused:
            operations.submit_notice(draft, user, now=MONDAY_NOON_JST, rules=rules())
        db.session.rollback()
        messages = [(p.field, str(p.message)) for p in refused.value.problems]

    assert messages == [
        ("planned_date", "Enter a date within 5 years from today."),
        ("pentest_date", PENTEST_LATER),
    ]


def test_as_many_signatures_as_key_holders_is_accepted(signed_in, draft):
    signed_in.post(
        f"/notices/{draft.id}/edit/security",
        data=security_form(signing_threshold_m="3", signing_threshold_n="3"),
    )

    assert signed_in.post(f"/notices/{draft.id}/submit", data={}).status_code == 303


def security_form(**changes):
    data = {
        "hot_wallet_percent": "5",
        "signing_scheme": "mpc",
        "signing_threshold_m": "2",
        "signing_threshold_n": "3",
        "hsm_certification": "",
        "access_controls": "four eyes",
        "fisc_compliance": "full",
        "pentest_date": "2026-06-01",
        "pentest_tester": "Example Security",
        "incident_contact": "+81-3-0000-0000",
        "incident_client_hours": "24",
        "incident_fsa_hours": "24",
        "personnel_security": "background checks",
        "rto_minutes": "60",
        "rpo_minutes": "5",
    }
    data.update(changes)
    return data


def test_an_hsm_scheme_needs_its_certification_level(signed_in, draft):
    signed_in.post(f"/notices/{draft.id}/edit/security", data=security_form(signing_scheme="hsm"))

    page = text(signed_in.get(f"/notices/{draft.id}/submit"))

    assert f'href="/notices/{draft.id}/edit/security#hsm_certification"' in page


# --- changes and discontinuations refer to one's own accepted notices ----------------------


def accepted_notice(user):
    return filing_helpers.accepted_notice(user, now=MONDAY_NOON_JST)


def test_a_change_may_refer_to_an_own_accepted_notice(signed_in, people):
    earlier = accepted_notice(people.provider_a_user)

    response = signed_in.post(
        "/notices/new", data={"notice_type": "change", "refers_to_id": str(earlier.id)}
    )

    assert response.status_code == 302
    change = db.session.scalars(select(Notice).where(Notice.id != earlier.id)).one()
    assert response.location.endswith(f"/notices/{change.id}/edit")
    assert (change.notice_type, change.refers_to_id) == ("change", earlier.id)
    assert change.organisation_id == people.org_a.id
    assert change.system_name == earlier.system_name  # starts from what was accepted


@pytest.mark.parametrize("kind", ["change", "discontinuation"])
def test_a_change_may_not_refer_to_another_organisations_notice(signed_in, people, kind):
    theirs = accepted_notice(people.provider_b)

    response = signed_in.post(
        "/notices/new", data={"notice_type": kind, "refers_to_id": str(theirs.id)}
    )

    assert response.status_code in (200, 422)
    assert "A change or discontinuation must refer to one of your accepted notices." in text(
        response
    )
    assert count(Notice) == 1


@pytest.mark.parametrize("kind", ["change", "discontinuation"])
def test_a_change_may_not_refer_to_a_notice_that_is_not_accepted(signed_in, people, kind):
    pending = complete_draft(people.provider_a_user)
    operations.submit_notice(pending, people.provider_a_user, now=MONDAY_NOON_JST, rules=rules())
    db.session.commit()

    for refers_to in (str(pending.id), "", "999999", "abc"):
        response = signed_in.post(
            "/notices/new", data={"notice_type": kind, "refers_to_id": refers_to}
        )
        assert response.status_code in (200, 422), refers_to
        assert "must refer to one of your accepted notices" in text(response)
    assert count(Notice) == 1


def test_the_notice_section_refuses_a_reference_to_another_organisations_notice(signed_in, people):
    own = accepted_notice(people.provider_a_user)
    theirs = accepted_notice(people.provider_b)
    change = operations.create_draft(people.provider_a_user, "change", own.id)
    db.session.commit()
    before = row(change.id)

    response = signed_in.post(
        f"/notices/{change.id}/edit/notice",
        data={"notice_type": "change", "refers_to_id": str(theirs.id), "planned_date": ""},
    )

    assert response.status_code == 422
    assert field_error(text(response), "refers_to_id")
    assert row(change.id) == before


def test_a_change_turned_into_a_new_service_drops_its_reference(signed_in, people):
    own = accepted_notice(people.provider_a_user)
    change = operations.create_draft(people.provider_a_user, "change", own.id)
    db.session.commit()

    response = signed_in.post(
        f"/notices/{change.id}/edit/notice",
        data={"notice_type": "new", "refers_to_id": str(own.id), "planned_date": ""},
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert (change.notice_type, change.refers_to_id) == ("new", None)


def test_submission_refuses_a_new_service_that_refers_to_an_earlier_notice(app, people):
    user = people.provider_a_user
    own = accepted_notice(user)
    draft = complete_draft(user)
    db.session.commit()
    # Forced past the forms, as rows saved before the rule was would be.
    db.session.execute(update(Notice).where(Notice.id == draft.id).values(refers_to_id=own.id))
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(operations.SubmissionIncomplete) as refused:
            operations.submit_notice(draft, user, now=MONDAY_NOON_JST, rules=rules())
        db.session.rollback()
        messages = [(p.field, str(p.message)) for p in refused.value.problems]

    assert messages == [
        ("refers_to_id", "A new service does not refer to an earlier notice: choose “None”.")
    ]


def test_submission_refuses_a_reference_that_is_not_an_own_accepted_notice(app, people):
    user = people.provider_a_user
    own = accepted_notice(user)
    theirs = accepted_notice(people.provider_b)
    change = complete_draft(user, notice_type="change", refers_to_id=own.id)
    db.session.commit()
    # Forced past the forms, as a crafted request or a later status change would.
    db.session.execute(update(Notice).where(Notice.id == change.id).values(refers_to_id=theirs.id))
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(operations.SubmissionIncomplete) as refused:
            operations.submit_notice(change, user, now=MONDAY_NOON_JST, rules=rules())
        db.session.rollback()
        messages = [(p.field, str(p.message)) for p in refused.value.problems]

    assert messages == [("refers_to_id", "Choose one of your organisation's accepted notices.")]


def test_a_change_of_an_own_accepted_notice_can_be_filed(people):
    user = people.provider_a_user
    own = accepted_notice(user)
    change = complete_draft(user, notice_type="change", refers_to_id=own.id)
    db.session.commit()

    operations.submit_notice(change, user, now=MONDAY_NOON_JST, rules=rules())
    db.session.commit()

    assert change.status == Status.SUBMITTED
    assert change.refers_to_id == own.id


# --- field limits --------------------------------------------------------------------------

SECTION_LIMITS = [
    ("system", "system_name", 200),
    ("system", "system_version", 50),
    ("system", "category_other", 200),
    ("system", "hosting_provider", 200),
    ("system", "supported_assets", 1000),
    ("system", "description", 4000),
    ("security", "hsm_certification", 200),
    ("security", "access_controls", 4000),
    ("security", "pentest_tester", 200),
    ("security", "incident_contact", 200),
    ("security", "personnel_security", 4000),
    ("declaration", "declarant_name", 100),
    ("declaration", "declarant_title", 100),
]


def section_data(key, field, value):
    if key == "security":
        return security_form(**{field: value})
    return {field: value}


@pytest.mark.parametrize(
    ("key", "field", "limit"), SECTION_LIMITS, ids=[f for _, f, _ in SECTION_LIMITS]
)
def test_one_character_over_the_limit_is_refused_and_nothing_saved(
    signed_in, draft, key, field, limit
):
    before = row(draft.id)

    response = signed_in.post(
        f"/notices/{draft.id}/edit/{key}", data=section_data(key, field, "あ" * (limit + 1))
    )

    assert response.status_code == 422
    assert field_error(text(response), field) == f"Enter at most {limit} characters."
    assert row(draft.id) == before


@pytest.mark.parametrize(
    ("key", "field", "limit"), SECTION_LIMITS, ids=[f for _, f, _ in SECTION_LIMITS]
)
def test_a_value_at_the_limit_is_saved_whole(signed_in, draft, key, field, limit):
    value = "あ" * (limit - 1) + "末"

    response = signed_in.post(
        f"/notices/{draft.id}/edit/{key}", data=section_data(key, field, value)
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert getattr(draft, field) == value


GROUP_LIMITS = [
    (
        "subcontractors",
        "sub",
        "name",
        200,
        {"sub-name": "DevCo", "sub-country": "VN", "sub-function": "development"},
    ),
    (
        "subcontractors",
        "sub",
        "function",
        200,
        {"sub-name": "DevCo", "sub-country": "VN", "sub-function": "development"},
    ),
    ("certifications", "cert", "reference", 100, {"cert-kind": "iso27001", "cert-reference": "I"}),
    ("certifications", "cert", "issuer", 200, {"cert-kind": "iso27001", "cert-reference": "I"}),
    ("clients", "client", "name", 200, {"client-name": "取引所"}),
    ("clients", "client", "name_en", 200, {"client-name": "取引所", "client-name_en": "X"}),
]


@pytest.mark.parametrize(
    ("group", "prefix", "field", "limit", "valid"),
    GROUP_LIMITS,
    ids=[f"{p}-{f}" for _, p, f, _, _ in GROUP_LIMITS],
)
def test_group_entries_over_the_limit_are_refused(
    signed_in, draft, group, prefix, field, limit, valid
):
    before = row(draft.id)

    response = signed_in.post(
        f"/notices/{draft.id}/{group}", data={**valid, f"{prefix}-{field}": "あ" * (limit + 1)}
    )

    assert response.status_code == 422
    assert field_error(text(response), f"{prefix}-{field}") == f"Enter at most {limit} characters."
    assert row(draft.id) == before

    at_limit = signed_in.post(
        f"/notices/{draft.id}/{group}", data={**valid, f"{prefix}-{field}": "あ" * limit}
    )
    assert at_limit.status_code == 302
    assert row(draft.id)[1:] != before[1:]


# --- formats -------------------------------------------------------------------------------

NO_SUCH_DATE = "There is no such date: check the month and the day."
PENTEST_LATER = "The last penetration test cannot be later than today."
THRESHOLD = "The signatures required cannot exceed the number of key holders."

BAD_FORMATS = [
    ("security", "hot_wallet_percent", "abc", "Enter a whole number."),
    ("security", "hot_wallet_percent", "1.5", "Enter a whole number."),
    ("security", "hot_wallet_percent", "101", "Enter a number from 0 to 100."),
    ("security", "hot_wallet_percent", "-1", "Enter a number from 0 to 100."),
    ("security", "signing_threshold_m", "0", "Enter a number from 1 to 100."),
    ("security", "rto_minutes", "1h", "Enter a whole number."),
    ("security", "incident_fsa_hours", "721", "Enter a number from 0 to 720."),
    ("security", "pentest_date", "2026/06/01", "Enter a date as YYYY-MM-DD."),
    ("security", "pentest_date", "2026-02-30", NO_SUCH_DATE),
    ("security", "pentest_date", "yesterday", "Enter a date as YYYY-MM-DD."),
    ("notice", "planned_date", "01-03-2027", "Enter a date as YYYY-MM-DD."),
    ("notice", "planned_date", "2027-13-01", NO_SUCH_DATE),
    # Well-formed, but not true: refused as the section is saved, not only on submission.
    ("notice", "planned_date", "2199-12-31", "Enter a date within 5 years from today."),
    ("security", "pentest_date", "2199-01-01", PENTEST_LATER),
    ("security", "signing_threshold_m", "5", THRESHOLD),
]


@pytest.mark.parametrize(
    ("key", "field", "value", "message"),
    BAD_FORMATS,
    ids=[f"{f}={v}" for _, f, v, _ in BAD_FORMATS],
)
def test_invalid_numbers_and_dates_get_a_message_and_nothing_is_saved(
    signed_in, draft, key, field, value, message
):
    before = row(draft.id)
    data = (
        security_form(**{field: value})
        if key == "security"
        else {"notice_type": "new", field: value}
    )

    response = signed_in.post(f"/notices/{draft.id}/edit/{key}", data=data)

    assert response.status_code == 422
    assert field_error(text(response), field) == message
    assert row(draft.id) == before


def test_a_certificate_period_must_not_end_before_it_starts(signed_in, draft):
    before = row(draft.id)

    response = signed_in.post(
        f"/notices/{draft.id}/certifications",
        data={
            "cert-kind": "iso27001",
            "cert-reference": "IS 1",
            "cert-valid_from": "2026-05-01",
            "cert-valid_until": "2026-04-30",
        },
    )

    assert response.status_code == 422
    assert (
        field_error(text(response), "cert-valid_until") == "The end must not be before the start."
    )
    assert row(draft.id) == before

    bad_date = signed_in.post(
        f"/notices/{draft.id}/certifications",
        data={"cert-kind": "iso27001", "cert-reference": "IS 1", "cert-valid_from": "May 2026"},
    )
    assert bad_date.status_code == 422
    assert field_error(text(bad_date), "cert-valid_from") == "Enter a date as YYYY-MM-DD."
    assert row(draft.id) == before


# --- fields a form does not know -------------------------------------------------------------


def forged(people):
    return {
        "status": "accepted",
        "organisation_id": str(people.org_b.id),
        "receipt_number": "X",
        "version": "99",
        "created_by_id": str(people.provider_b.id),
        "submitted_at": "2026-01-01T00:00:00",
        "review_deadline": "2026-01-02",
        "handler_id": str(people.reviewer.id),
        "id": "424242",
        "system_name_key": "forged",
    }


def system_form(**changes):
    data = {
        "system_name": "VaultCore",
        "system_version": "3.2.1",
        "categories": ["hot_wallet", "key_management"],
        "category_other": "",
        "delivery_model": "saas",
        "hosting_provider": "AWS",
        "data_countries": ["JP"],
        "key_countries": ["JP", "SG"],
        "supported_assets": "BTC",
        "description": "MPC custody",
    }
    data.update(changes)
    return data


# Complete forms, so that the only changes are the ones named here.
KNOWN_FIELDS = {
    "system": (
        system_form(system_name="Renamed", system_version="4.0"),
        # The search key follows the name (app.domain.text.search_key), never the form.
        {"system_name", "system_name_key", "system_version"},
    ),
    "notice": (
        {"notice_type": "new", "refers_to_id": "", "planned_date": "2030-01-04"},
        {"planned_date"},
    ),
    "security": (security_form(hot_wallet_percent="7"), {"hot_wallet_percent"}),
    "declaration": (
        {"declarant_name": "佐藤 次郎", "declarant_title": "取締役", "declaration_confirmed": "y"},
        {"declarant_name", "declarant_title"},
    ),
}


@pytest.mark.parametrize("key", sorted(KNOWN_FIELDS))
def test_fields_the_form_does_not_know_are_ignored(signed_in, people, draft, key):
    data, expected_changes = KNOWN_FIELDS[key]
    baseline = {"system": system_form(), "security": security_form()}.get(key)
    if baseline:
        assert signed_in.post(f"/notices/{draft.id}/edit/{key}", data=baseline).status_code == 302
    before, *_ = row(draft.id)

    response = signed_in.post(f"/notices/{draft.id}/edit/{key}", data={**data, **forged(people)})

    assert response.status_code == 302
    after, *_ = row(draft.id)
    changed = {name for name in after if after[name] != before[name]} - {"updated_at"}
    assert changed == expected_changes
    assert after["status"] == Status.DRAFT
    assert (after["organisation_id"], after["receipt_number"], after["version"]) == (
        people.org_a.id,
        None,
        1,
    )
    assert after["created_by_id"] == people.provider_a_user.id
    assert after["submitted_at"] is None and after["handler_id"] is None
    assert after["system_name_key"] == search_key(after["system_name"])
    assert count(Notice) == 1


def test_unknown_fields_on_list_entries_and_new_notices_are_ignored(signed_in, people, draft):
    other = complete_draft(people.provider_b)
    db.session.commit()

    signed_in.post(
        f"/notices/{draft.id}/subcontractors",
        data={
            "sub-name": "DevCo",
            "sub-country": "VN",
            "sub-function": "dev",
            "sub-notice_id": str(other.id),
            "notice_id": str(other.id),
            "sub-id": "1",
        },
    )
    signed_in.post(
        f"/notices/{draft.id}/clients",
        data={
            "client-name": "未登録取引所",
            "client-registration_number": "関東財務局長 第00001号",
            "client-notice_id": str(other.id),
        },
    )
    response = signed_in.post("/notices/new", data={"notice_type": "new", **forged(people)})

    assert response.status_code == 302
    db.session.expire_all()
    assert [s.name for s in draft.subcontractors] == ["DevCo"]
    assert other.subcontractors == []
    assert [(c.name, c.registration_number) for c in draft.clients][-1] == ("未登録取引所", "")
    assert len(other.clients) == 1
    new = db.session.scalars(select(Notice).order_by(Notice.id.desc()).limit(1)).one()
    assert (new.organisation_id, new.status, new.receipt_number, new.version) == (
        people.org_a.id,
        Status.DRAFT,
        None,
        1,
    )
