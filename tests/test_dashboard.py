"""The provider's dashboard: status tabs as the provider sees them, search, keyset pages,
and never another provider's notice."""

import re
from datetime import timedelta

import pytest

from app.domain.workflow import Status
from app.extensions import db
from app.review.models import InformationRequest
from tests.conftest import BACKEND, counting_statements
from tests.filing_helpers import complete_draft
from tests.review_helpers import filed_notice, jst_today
from tests.test_list_statements import DASHBOARD_STATEMENTS

RECEIPT = re.compile(r"AN-\d{4}-\d{6}")


def receipts(response) -> list[str]:
    """The receipt numbers in the table, in order (not those in the search box or links)."""
    body = re.search(r"<tbody>(.*)</tbody>", response.get_data(as_text=True), re.S)
    return RECEIPT.findall(body.group(1)) if body else []


def tab_count(response, label: str) -> int:
    match = re.search(rf">{re.escape(label)} <span class=\"count\">\((\d+)\)</span>", response.text)
    assert match, f"no tab {label!r}"
    return int(match.group(1))


def awaiting_reply(people, reply_by, **values):
    """Provider A's notice with an information request it has not answered, inserted
    directly; ``values`` are further columns of the notice."""
    notice = filed_notice(
        people.org_a,
        people.provider_a_user,
        status=Status.INFORMATION_REQUESTED,
        handler=people.reviewer,
        **values,
    )
    db.session.add(
        InformationRequest(
            notice_id=notice.id,
            requested_by_id=people.reviewer.id,
            paused_from=jst_today(),
            reply_by=reply_by,
            comment="Send the penetration test report.",
        )
    )
    db.session.flush()
    return notice


def next_step(response, notice) -> str:
    """The text of the notice's "Next step" cell."""
    row = re.search(rf"{notice.receipt_number}</a>.*?</tr>", response.text, re.S).group(0)
    cell = re.search(r'<td data-label="Next step">(.*?)</td>', row, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


@pytest.fixture
def mixed(people):
    """Provider A: one notice in each filed status, and a draft; provider B: one notice."""
    mine = {
        status: filed_notice(
            people.org_a, people.provider_a_user, status=status, system_name=f"Vault-{status}"
        )
        for status in Status
        if status != Status.DRAFT
    }
    theirs = filed_notice(people.org_b, people.provider_b, system_name="Vault-theirs")
    draft = complete_draft(people.provider_a_user, system_name="DraftVault")
    db.session.commit()
    return mine, theirs, draft


def test_the_tabs_group_statuses_as_the_provider_sees_them(signed_in, mixed):
    mine, theirs, draft = mixed

    everything = signed_in.get("/notices/")
    under_review = signed_in.get("/notices/", query_string={"status": "under_review"})
    drafts = signed_in.get("/notices/", query_string={"status": "draft"})

    assert sorted(receipts(everything)) == sorted(n.receipt_number for n in mine.values())
    assert "DraftVault" in everything.text
    assert theirs.receipt_number not in everything.text
    # Two of the review's statuses are one for the provider.
    assert sorted(receipts(under_review)) == sorted(
        [mine[Status.UNDER_REVIEW].receipt_number, mine[Status.DECISION_PROPOSED].receipt_number]
    )
    assert receipts(drafts) == [] and "DraftVault" in drafts.text
    assert tab_count(everything, "All") == 8
    assert tab_count(everything, "Under review") == 2
    assert tab_count(everything, "Received") == 1
    assert tab_count(everything, "Draft") == 1
    assert 'aria-current="page">Under review' in under_review.text


def test_the_markup_names_only_the_status_the_provider_sees(signed_in, mixed):
    """A proposed decision is "under review" in the page source too (its class names)."""
    everything = signed_in.get("/notices/").text

    # (The fixture's system names spell statuses out; attributes must not.)
    assert not re.search(r'="[^"]*decision_proposed[^"]*"', everything)
    assert everything.count('class="status status--under_review"') == 2
    assert everything.count('class="status status--received"') == 1


def test_search_finds_receipt_numbers_and_system_names_of_ones_own_notices_only(signed_in, mixed):
    mine, theirs, _ = mixed
    accepted = mine[Status.ACCEPTED]

    by_name = signed_in.get("/notices/", query_string={"q": "vault-ACCEPTED"})
    by_number = signed_in.get("/notices/", query_string={"q": accepted.receipt_number[-6:]})
    theirs_by_name = signed_in.get("/notices/", query_string={"q": "Vault-theirs"})
    theirs_by_number = signed_in.get("/notices/", query_string={"q": theirs.receipt_number})

    assert receipts(by_name) == [accepted.receipt_number]
    assert ">Vault-accepted</td>" in by_name.text
    assert receipts(by_number) == [accepted.receipt_number]
    for response in (theirs_by_name, theirs_by_number):
        assert receipts(response) == []
        assert "No notices match." in response.text
        assert ">Vault-theirs</td>" not in response.text


def test_search_takes_percent_and_underscore_literally(signed_in, people):
    filed_notice(people.org_a, people.provider_a_user, system_name="Cold 100% Vault")
    filed_notice(people.org_a, people.provider_a_user, system_name="Cold_Vault")
    filed_notice(people.org_a, people.provider_a_user, system_name="ColdXVault")
    db.session.commit()

    percent = signed_in.get("/notices/", query_string={"q": "100%"})
    underscore = signed_in.get("/notices/", query_string={"q": "Cold_"})

    assert "Cold 100% Vault" in percent.text and "Cold_Vault" not in percent.text
    assert "Cold_Vault" in underscore.text and "ColdXVault" not in underscore.text


def test_a_search_within_a_tab_keeps_both(signed_in, mixed):
    mine, _, _ = mixed

    response = signed_in.get("/notices/", query_string={"status": "returned", "q": "Vault"})

    assert receipts(response) == [mine[Status.RETURNED].receipt_number]
    assert '<input type="hidden" name="status" value="returned">' in response.text
    # Another tab keeps the search.
    assert "/notices/?status=accepted&amp;q=Vault" in response.text


def test_pages_follow_one_another_without_gap_or_repeat(app, signed_in, people):
    app.config["PAGE_SIZE"] = 5
    # Notices filed in the same instant: the id breaks the tie between equal times.
    filed = [filed_notice(people.org_a, people.provider_a_user) for _ in range(12)]
    db.session.commit()

    seen, url, pages = [], "/notices/", 0
    while url:
        response = signed_in.get(url)
        assert response.status_code == 200
        seen.extend(receipts(response))
        pages += 1
        if pages > 1:
            assert ">First page</a>" in response.text
        found = re.search(r'href="([^"]+)" rel="next"', response.text)
        url = found.group(1).replace("&amp;", "&") if found else None

    assert pages == 3
    assert sorted(seen) == sorted(n.receipt_number for n in filed)
    assert len(seen) == len(set(seen))
    # Most recently changed first: the last filed leads.
    assert seen[0] == filed[-1].receipt_number


def test_a_cursor_keeps_the_tab_and_the_search(app, signed_in, people):
    app.config["PAGE_SIZE"] = 2
    for _ in range(3):
        filed_notice(people.org_a, people.provider_a_user, status=Status.ACCEPTED)
    filed_notice(people.org_a, people.provider_a_user, status=Status.RETURNED)
    db.session.commit()

    first = signed_in.get("/notices/", query_string={"status": "accepted", "q": "Vault"})
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = signed_in.get(next_url)

    assert "status=accepted" in next_url and "q=Vault" in next_url
    assert len(receipts(first)) == 2 and len(receipts(second)) == 1
    assert 'rel="next"' not in second.text


def test_a_damaged_cursor_shows_the_first_page(signed_in, mixed):
    first = signed_in.get("/notices/")

    for cursor in ("garbage", "WyIyMDI2IiwgMV0", "W251bGwsIDk5OTk5OTk5OTk5XQ"):
        response = signed_in.get("/notices/", query_string={"after": cursor})
        assert response.status_code == 200
        assert receipts(response) == receipts(first)


def test_without_notices_the_page_says_so_and_offers_no_filters(signed_in):
    response = signed_in.get("/notices/")

    assert "Your organisation has not filed a notice yet." in response.text
    assert 'role="search"' not in response.text


def test_the_tabs_are_in_japanese_for_a_japanese_reader(signed_in, people, mixed):
    people.provider_a_user.locale = "ja"
    db.session.commit()

    response = signed_in.get("/notices/", headers={"Accept-Language": "ja"})

    assert '<html lang="ja"' in response.text
    assert tab_count(response, "すべて") == 8
    assert "受付番号またはシステム名" in response.text


def test_a_notice_awaiting_an_answer_shows_its_reply_by_date_and_whether_it_passed(
    signed_in, people
):
    today = jst_today()
    in_time = awaiting_reply(people, today)
    late = awaiting_reply(people, today - timedelta(days=1))
    answered = awaiting_reply(people, today - timedelta(days=2), system_name="AnsweredVault")
    answered.status = Status.UNDER_REVIEW  # the answer restarts the review
    db.session.commit()

    response = signed_in.get("/notices/")

    assert next_step(response, in_time) == (
        f"Answer the information request Reply by {today:%B} {today.day}, {today.year}"
    )
    late_step = next_step(response, late)
    assert "Reply by" in late_step and late_step.endswith("(the date has passed)")
    assert '<strong class="overdue">' in response.text
    assert next_step(response, answered) == "Wait for the review"


def test_the_reply_by_date_is_in_japanese_for_a_japanese_reader(signed_in, people):
    people.provider_a_user.locale = "ja"
    day = jst_today() - timedelta(days=1)
    notice = awaiting_reply(people, day)
    db.session.commit()

    response = signed_in.get("/notices/", headers={"Accept-Language": "ja"})

    row = re.search(rf"{notice.receipt_number}</a>.*?</tr>", response.text, re.S).group(0)
    assert f"{day.year}年{day.month}月{day.day}日までに回答" in row
    assert "期限を過ぎています" in row


def test_reply_by_dates_cost_no_statement_per_notice(signed_in, people):
    awaiting_reply(people, jst_today())
    db.session.commit()
    signed_in.get("/notices/")  # the session's last-seen time is touched at most once a minute
    with counting_statements() as few:
        one = signed_in.get("/notices/").text

    for days in range(1, 21):
        awaiting_reply(people, jst_today() + timedelta(days=days))
    db.session.commit()
    with counting_statements() as many:
        twenty_one = signed_in.get("/notices/").text

    assert one.count("Reply by") == 1 and twenty_one.count("Reply by") == 21
    assert len(many) == len(few) == DASHBOARD_STATEMENTS[BACKEND], "\n\n".join(many)


def test_each_drafts_controls_say_which_draft_they_act_on(signed_in, people):
    for name in ("Alpha Custody", "Beta Signing"):
        complete_draft(people.provider_a_user, system_name=name)
    db.session.commit()

    page = signed_in.get("/notices/?status=draft").get_data(as_text=True)

    for name in ("Alpha Custody", "Beta Signing"):
        hidden = f'<span class="visually-hidden"> {name}</span>'
        assert f"Continue the draft{hidden}</a>" in page
        assert re.search(rf"Delete draft{re.escape(hidden)}\s*</button>", page), name
