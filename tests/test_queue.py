"""The review queue: status tabs and filters, text search, the sort allowlist, keyset paging
through every page, garbage cursors, and a number of SQL statements that does not grow with
the number of notices."""

import base64
import html
import itertools
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from app import labels
from app.accounts.models import Role
from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.filing.models import NoticeType
from tests.conftest import BACKEND, counting_statements
from tests.factories import make_organisation, make_user
from tests.review_helpers import (
    awaiting_reply,
    business_days_before,
    filed_notice,
    jst_today,
    notice_at,
)

ROW = re.compile(r'<td data-label="Receipt number"><a href="/review/notices/\d+">([^<]+)</a>')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


@pytest.fixture
def reviewer(client, auth, people):
    auth.login(client, people.reviewer)
    return client


def listed(client, **args) -> list[str]:
    """Receipt numbers on the first page of the queue for these query arguments."""
    response = client.get("/review/", query_string=args)
    assert response.status_code == 200
    return ROW.findall(response.get_data(as_text=True))


def numbers(notices) -> list[str]:
    return [n.receipt_number for n in notices]


def by_deadline(notices):
    return numbers(sorted(notices, key=lambda n: (n.review_deadline, n.id)))


def cursor(payload) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


# --- status tabs and filters ----------------------------------------------------------------


@pytest.fixture
def mixed(people):
    """Notices in every status, of every type, with and without a handler."""
    org, user = people.org_a, people.provider_a_user
    made = {}
    plan = [
        (Status.SUBMITTED, None, NoticeType.NEW),
        (Status.SUBMITTED, None, NoticeType.CHANGE),
        (Status.SUBMITTED, None, NoticeType.DISCONTINUATION),
        (Status.UNDER_REVIEW, people.reviewer, NoticeType.NEW),
        (Status.UNDER_REVIEW, people.supervisor, NoticeType.CHANGE),
        (Status.INFORMATION_REQUESTED, people.reviewer, NoticeType.NEW),
        (Status.DECISION_PROPOSED, people.supervisor, NoticeType.NEW),
        (Status.ACCEPTED, people.reviewer, NoticeType.NEW),
        (Status.ACCEPTED, people.supervisor, NoticeType.CHANGE),
        (Status.RETURNED, people.reviewer, NoticeType.NEW),
        (Status.WITHDRAWN, None, NoticeType.NEW),
    ]
    for i, (status, handler, notice_type) in enumerate(plan):
        made.setdefault(status, []).append(
            filed_notice(
                org,
                user,
                status=status,
                handler=handler,
                notice_type=notice_type,
                system_name=f"System {i}",
            )
        )
    notice_at(Status.DRAFT, people)  # never in the queue
    db.session.commit()
    return made


def tab_counts(page: str) -> dict[str, int]:
    tabs = re.findall(
        r'<li><a href="/review/\?([^"]*)"[^>]*>[^<]*<span class="count">\((\d+)\)', page
    )
    return {re.search(r"status=(\w+)", html.unescape(q)).group(1): int(n) for q, n in tabs}


def test_status_tabs_count_every_filed_notice(reviewer, mixed):
    page = reviewer.get("/review/").get_data(as_text=True)
    assert tab_counts(page) == {
        "open": 7,
        "submitted": 3,
        "under_review": 2,
        "information_requested": 1,
        "decision_proposed": 1,
        "accepted": 2,
        "returned": 1,
        "withdrawn": 1,
        "all": 11,
    }


@pytest.mark.parametrize(
    "status",
    [
        "submitted",
        "under_review",
        "information_requested",
        "decision_proposed",
        "accepted",
        "returned",
        "withdrawn",
    ],
)
def test_a_status_tab_lists_that_status_only(reviewer, mixed, status):
    assert sorted(listed(reviewer, status=status)) == sorted(numbers(mixed[Status(status)]))


def test_open_is_the_default_and_all_lists_everything_but_drafts(reviewer, mixed):
    everything = [n for group in mixed.values() for n in group]
    open_ones = [
        n
        for s in ("submitted", "under_review", "information_requested", "decision_proposed")
        for n in mixed[Status(s)]
    ]
    assert sorted(listed(reviewer)) == sorted(numbers(open_ones))
    assert sorted(listed(reviewer, status="all")) == sorted(numbers(everything))
    assert sorted(listed(reviewer, status="draft")) == sorted(numbers(open_ones))
    assert sorted(listed(reviewer, status="bogus")) == sorted(numbers(open_ones))


@pytest.mark.parametrize("notice_type", ["new", "change", "discontinuation"])
def test_the_type_filter(reviewer, mixed, notice_type):
    everything = [n for group in mixed.values() for n in group]
    expected = [n for n in everything if n.notice_type == notice_type]
    assert expected
    assert sorted(listed(reviewer, status="all", type=notice_type)) == sorted(numbers(expected))


def test_an_unknown_type_is_ignored(reviewer, mixed):
    everything = [n for group in mixed.values() for n in group]
    assert len(listed(reviewer, status="all", type="' OR 1=1 --")) == len(everything)


def test_handler_mine_and_unassigned(reviewer, mixed, people):
    everything = [n for group in mixed.values() for n in group]
    mine = [n for n in everything if n.handler_id == people.reviewer.id]
    unassigned = [n for n in everything if n.handler_id is None]
    assert sorted(listed(reviewer, status="all", handler="mine")) == sorted(numbers(mine))
    assert sorted(listed(reviewer, status="all", handler="unassigned")) == sorted(
        numbers(unassigned)
    )
    assert len(listed(reviewer, status="all", handler="someone")) == len(everything)


def handler_options(page: str) -> dict[str, str]:
    select = re.search(r'<select id="handler" name="handler">(.*?)</select>', page, re.S)
    return {
        value: label.strip()
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])
    }


def test_a_supervisor_lists_one_examiners_notices(client, auth, mixed, people):
    everything = [n for group in mixed.values() for n in group]
    auth.login(client, people.supervisor)

    theirs = listed(client, status="all", handler=str(people.reviewer.id))

    assert sorted(theirs) == sorted(
        numbers(n for n in everything if n.handler_id == people.reviewer.id)
    )
    page = client.get("/review/", query_string={"handler": people.reviewer.id}).text
    options = handler_options(page)
    assert options[str(people.reviewer.id)] == people.reviewer.name
    assert options[str(people.supervisor.id)] == people.supervisor.name
    assert re.search(rf'<option value="{people.reviewer.id}" selected>', page)


@pytest.mark.parametrize("who", ["provider_a_user", "administrator", "nobody"])
def test_a_handler_filter_naming_no_review_staff_is_ignored_and_said(reviewer, mixed, people, who):
    everything = [n for group in mixed.values() for n in group]
    user_id = getattr(people, who).id if who != "nobody" else 987654
    response = reviewer.get("/review/", query_string={"status": "all", "handler": user_id})

    assert sorted(ROW.findall(response.text)) == sorted(numbers(everything))
    assert str(user_id) not in handler_options(response.text)
    assert "Some filter values were not recognised and are ignored: Handler." in response.text


def test_a_disabled_handler_is_marked_in_the_queue_and_offered_to_find_their_notices(
    client, auth, people
):
    leaver = make_user(Role.REVIEWER, name="Taro Leaver")
    gone = make_user(Role.REVIEWER, name="Jiro Gone")  # no open notice: not offered
    theirs = filed_notice(
        people.org_a, people.provider_a_user, status=Status.UNDER_REVIEW, handler=leaver
    )
    leaver.active = False
    gone.active = False
    db.session.commit()
    auth.login(client, people.supervisor)

    page = client.get("/review/").text
    row = re.search(rf"{theirs.receipt_number}</a></td>.*?</tr>", page, re.S)[0]
    handler = re.search(r'<td data-label="Handler">(.*?)</td>', row, re.S)[1]
    assert handler == "Taro Leaver<br><strong>(account disabled)</strong>"
    options = handler_options(page)
    assert options[str(leaver.id)] == "Taro Leaver (account disabled)"
    assert str(gone.id) not in options
    assert listed(client, handler=leaver.id) == [theirs.receipt_number]
    # Named in the filter, a disabled examiner without open notices is still a known choice.
    assert listed(client, status="all", handler=gone.id) == []
    page = client.get("/review/", query_string={"handler": gone.id}).text
    assert handler_options(page)[str(gone.id)] == "Jiro Gone (account disabled)"
    assert "not recognised" not in page


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ({"status": "bogus"}, "Status"),
        ({"type": "' OR 1=1 --"}, "Type of notice"),
        ({"due_within": "soon"}, "Due within (business days, overdue included)"),
        ({"due_within": "366"}, "Due within (business days, overdue included)"),
        ({"overdue": "yes"}, "Overdue only"),
        ({"sort": "id; DROP TABLE notices"}, "Sort by"),
        ({"status": "draft", "handler": "x"}, "Status and Handler"),
    ],
)
def test_an_ignored_filter_value_is_said_on_the_page(reviewer, mixed, args, named):
    page = reviewer.get("/review/", query_string=args).text
    notice = re.search(r'<p class="panel" role="status">(.*?)</p>', page, re.S)
    assert notice, "the page does not say that a value was ignored"
    assert notice[1] == f"Some filter values were not recognised and are ignored: {named}."


def test_known_or_empty_filter_values_say_nothing(reviewer, mixed, people):
    page = reviewer.get(
        "/review/",
        query_string={
            "status": "all",
            "type": "",
            "handler": "mine",
            "due_within": "",
            "overdue": "1",
            "sort": "",
            "q": "",
        },
    ).text
    assert "not recognised" not in page


@pytest.fixture
def clocked(people):
    """Open notices around today's date, named by when they are due."""
    org, user = people.org_a, people.provider_a_user
    today = jst_today()
    plan = {
        "overdue": (Status.UNDER_REVIEW, business_days_before(today, 1)),
        "long overdue": (Status.SUBMITTED, business_days_before(today, 10)),
        "overdue but paused": (Status.INFORMATION_REQUESTED, business_days_before(today, 3)),
        "overdue but decided": (Status.ACCEPTED, business_days_before(today, 3)),
        "proposal overdue": (Status.DECISION_PROPOSED, business_days_before(today, 2)),
        "due today": (Status.UNDER_REVIEW, calendar.business_day_on_or_after(today)),
        "in 3": (Status.UNDER_REVIEW, calendar.add_business_days(today, 3)),
        "in 4": (Status.SUBMITTED, calendar.add_business_days(today, 4)),
        "in 15": (Status.SUBMITTED, calendar.add_business_days(today, 15)),
    }
    made = {
        name: filed_notice(org, user, status=status, deadline=deadline, system_name=name)
        for name, (status, deadline) in plan.items()
    }
    db.session.commit()
    return made


def test_overdue_lists_running_clocks_past_their_deadline(reviewer, clocked):
    expected = [clocked[k] for k in ("overdue", "long overdue", "proposal overdue")]
    assert listed(reviewer, overdue="1") == by_deadline(expected)
    assert listed(reviewer, status="all", overdue="1") == by_deadline(expected)


@pytest.fixture
def awaiting(people):
    """Notices awaiting the provider's reply: one past its reply-by date, one due today,
    one answered late and then asked again (in time)."""
    today = jst_today()
    made = {
        "late": awaiting_reply(people, "Late reply", (today - timedelta(days=3), False)),
        "due today": awaiting_reply(people, "Reply due today", (today, False)),
        "asked again": awaiting_reply(
            people,
            "Asked again",
            (today - timedelta(days=9), True),
            (today + timedelta(days=7), False),
        ),
    }
    db.session.commit()
    return made


def test_a_missed_reply_by_date_is_marked_in_the_queue_row(reviewer, awaiting):
    page = reviewer.get("/review/").text
    cells = deadline_cells(page)
    late = jst_today() - timedelta(days=3)
    assert cells["Late reply"] == (
        'Clock stopped<br><strong class="overdue">Reply overdue: due by '
        f'<span class="queue__deadline">{late.isoformat()}</span></strong>'
    )
    assert cells["Reply due today"] == "Clock stopped"
    assert cells["Asked again"] == "Clock stopped"


def test_overdue_lists_missed_reply_by_dates_too(reviewer, clocked, awaiting):
    expected = [clocked[k] for k in ("overdue", "long overdue", "proposal overdue")]
    expected.append(awaiting["late"])
    assert sorted(listed(reviewer, overdue="1")) == sorted(numbers(expected))
    assert listed(reviewer, status="information_requested", overdue="1") == numbers(
        [awaiting["late"]]
    )
    # "Due within" is about the review clock, which stands still while a reply is awaited.
    assert awaiting["late"].receipt_number not in listed(reviewer, due_within="30")


def test_the_overdue_filter_says_what_it_includes(reviewer):
    page = reviewer.get("/review/").text
    assert 'aria-describedby="overdue-hint"' in page
    assert (
        '<p class="hint" id="overdue-hint">Past the review deadline, or past the reply-by date '
        "of an information request.</p>" in page
    )
    assert '<label for="due_within">Due within (business days, overdue included)</label>' in page


def test_due_within_counts_business_days_and_includes_what_is_overdue(reviewer, clocked):
    expected = [
        clocked[k] for k in ("overdue", "long overdue", "proposal overdue", "due today", "in 3")
    ]
    assert listed(reviewer, due_within="3") == by_deadline(expected)
    assert (
        listed(reviewer, due_within="0") == by_deadline(expected[:4])
        if (calendar.is_business_day(jst_today()))
        else True
    )


@pytest.mark.parametrize("value", ["-1", "366", "soon", ""])
def test_a_due_within_out_of_range_is_ignored(reviewer, clocked, value):
    running = [n for n in clocked.values() if n.status != Status.ACCEPTED]
    assert sorted(listed(reviewer, due_within=value)) == sorted(numbers(running))


def deadline_cells(page: str) -> dict[str, str]:
    """The review-deadline cell of each row, by system name, without its line breaks."""
    cells = re.findall(
        r'<td data-label="System">([^<]+)</td>.*?'
        r'<td data-label="Review deadline">\s*(.*?)\s*</td>',
        page,
        re.S,
    )
    return {name: re.sub(r"\s*\n\s*", "", cell) for name, cell in cells}


def test_the_queue_shows_business_days_left_overdue_and_the_deadline(reviewer, clocked):
    cells = deadline_cells(reviewer.get("/review/").get_data(as_text=True))

    def deadline(name):
        return f'<br><span class="queue__deadline">{clocked[name].review_deadline}</span>'

    assert cells["overdue"] == (
        '<strong class="overdue">Overdue by 1 business day</strong>' + deadline("overdue")
    )
    assert cells["long overdue"] == (
        '<strong class="overdue">Overdue by 10 business days</strong>' + deadline("long overdue")
    )
    assert cells["overdue but paused"] == "Clock stopped"
    assert cells["in 3"] == "3 business days left" + deadline("in 3")
    if calendar.is_business_day(jst_today()):
        assert cells["due today"] == "<strong>Due today</strong>" + deadline("due today")


def test_the_time_of_receipt_keeps_its_date_and_its_time_each_on_one_line(reviewer, clocked):
    """Not "2026-11-" on one line and "27 10:31" on the next: the date and the time are each
    a span that app.css keeps whole (.queue__one-line), with a space to break at; the column's
    heading too ("Received (JST)", not "Received" over "(JST)")."""
    page = reviewer.get("/review/").get_data(as_text=True)
    notice = clocked["in 3"]
    day, time = labels.jst(notice.submitted_at).split(" ", 1)

    cell = re.search(
        r'<td data-label="System">in 3</td>.*?<td data-label="Received \(JST\)">(.*?)</td>',
        page,
        re.S,
    )

    assert cell and cell.group(1) == (
        f'<div><span class="queue__one-line">{day}</span> '
        f'<span class="queue__one-line">{time}</span></div>'
    )
    assert time.endswith(" JST")
    assert '<th scope="col" class="queue__one-line">Received (JST)</th>' in page


# --- text search ----------------------------------------------------------------------------


@pytest.fixture
def searchable(people):
    hokuto = make_organisation(
        name_ja="ほくと暗号資産システム株式会社", name_en="Hokuto Custody Ltd."
    )
    hokuto_user = make_user(Role.PROVIDER_USER, hokuto)
    org, user = people.org_a, people.provider_a_user
    made = {
        "plain": filed_notice(org, user, system_name="ColdVault Enterprise"),
        "percent": filed_notice(org, user, system_name="100% Cold"),
        "hundred": filed_notice(org, user, system_name="100X Cold"),
        "underscore": filed_notice(org, user, system_name="hot_wallet manager"),
        "no underscore": filed_notice(org, user, system_name="hotXwallet manager"),
        "backslash": filed_notice(org, user, system_name=r"Key\Signer"),
        "hokuto": filed_notice(hokuto, hokuto_user, system_name="NorthStar"),
        "hokuto 2": filed_notice(
            hokuto, hokuto_user, system_name="NorthStar 2", status=Status.ACCEPTED
        ),
    }
    db.session.commit()
    made["hokuto_org"] = hokuto
    return made


def search(client, q):
    return sorted(listed(client, status="all", q=q))


def test_search_by_receipt_number(reviewer, searchable):
    target = searchable["hundred"]
    assert search(reviewer, target.receipt_number) == [target.receipt_number]
    assert search(reviewer, target.receipt_number.lower()) == [target.receipt_number]
    assert search(reviewer, target.receipt_number[-6:]) == [target.receipt_number]


def test_search_by_provider_name_in_japanese_and_english(reviewer, searchable):
    hokuto = numbers([searchable["hokuto"], searchable["hokuto 2"]])
    assert search(reviewer, "ほくと") == sorted(hokuto)
    assert search(reviewer, "hokuto custody") == sorted(hokuto)
    assert search(reviewer, "HOKUTO") == sorted(hokuto)


def test_search_by_corporate_number(reviewer, searchable):
    hokuto = numbers([searchable["hokuto"], searchable["hokuto 2"]])
    assert search(reviewer, searchable["hokuto_org"].corporate_number) == sorted(hokuto)


def test_search_by_system_name(reviewer, searchable):
    assert search(reviewer, "coldvault") == [searchable["plain"].receipt_number]
    assert search(reviewer, "northstar") == sorted(
        numbers([searchable["hokuto"], searchable["hokuto 2"]])
    )


def full_width(text: str) -> str:
    """``text`` as a Japanese keyboard in full-width mode types it (－ for -)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_a_full_width_receipt_number_is_found(reviewer, searchable):
    number = searchable["hundred"].receipt_number
    typed = full_width(number)
    assert typed.startswith("ＡＮ－")
    assert search(reviewer, typed) == [number]
    assert search(reviewer, typed.replace("－", "\u2212")) == [number]  # minus sign
    assert search(reviewer, typed.replace("－", "\u2010")) == [number]  # hyphen
    # The prolonged sound mark is a letter of katakana words, not a hyphen.
    assert search(reviewer, number.replace("-", "ー")) == []


def test_full_width_letters_find_names_stored_either_way(reviewer, searchable, people):
    wide = make_organisation(name_ja="ＺＥＮ暗号資産株式会社", name_en="Mountain Crypto K.K.")
    zen = filed_notice(wide, make_user(Role.PROVIDER_USER, wide), system_name="Summit")
    db.session.commit()
    assert search(reviewer, "ＺＥＮ暗号") == [zen.receipt_number]  # as typed, as stored
    assert search(reviewer, "ｍｏｕｎｔａｉｎ") == [zen.receipt_number]  # after NFKC
    assert search(reviewer, full_width("northstar")) == sorted(
        numbers([searchable["hokuto"], searchable["hokuto 2"]])
    )
    assert search(reviewer, full_width("100%")) == numbers([searchable["percent"]])


def test_half_width_letters_find_names_stored_in_full_width(reviewer, searchable, people):
    """Names registered with full-width letters (as the corporate register often has them)
    are found by what an examiner types on an ASCII keyboard, and half-width katakana
    finds katakana."""
    wide = make_organisation(name_ja="株式会社ＺＥＮ暗号", name_en="")
    zen = filed_notice(
        wide, make_user(Role.PROVIDER_USER, wide), system_name="ＳＵＭＭＩＴ サミット"
    )
    db.session.commit()
    assert search(reviewer, "zen暗号") == [zen.receipt_number]
    assert search(reviewer, "ZEN") == [zen.receipt_number]
    assert search(reviewer, "Summit") == [zen.receipt_number]
    assert search(reviewer, "ｻﾐｯﾄ") == [zen.receipt_number]


def test_a_renamed_provider_is_found_by_its_new_name(reviewer, searchable, people):
    notice = searchable["plain"]
    notice.organisation.name_ja = "株式会社ＢＬＵＥＳＫＹ"
    db.session.commit()
    assert notice.receipt_number in search(reviewer, "bluesky")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("%", ["percent"]),
        ("100%", ["percent"]),
        ("_", ["underscore"]),
        ("hot_w", ["underscore"]),
        ("\\", ["backslash"]),
        ("%_%", []),
    ],
)
def test_wildcards_in_the_search_are_literal(reviewer, searchable, q, expected):
    assert search(reviewer, q) == sorted(numbers(searchable[k] for k in expected))


def test_a_search_keeps_its_filters_and_the_tab_counts_stay_whole(reviewer, searchable):
    page = reviewer.get("/review/", query_string={"q": "ほくと"}).get_data(as_text=True)
    assert ROW.findall(page) == [searchable["hokuto"].receipt_number]  # open only
    assert tab_counts(page)["all"] == 8
    assert 'value="ほくと"' in page


# --- sorting --------------------------------------------------------------------------------


@pytest.fixture
def sortable(people):
    orgs = [
        make_organisation(name_ja=f"プロバイダ{letter}", name_en=f"Provider {letter}")
        for letter in "CAB"
    ]
    users = [make_user(Role.PROVIDER_USER, org) for org in orgs]
    today = jst_today()
    base = calendar.utcnow() - timedelta(days=30)
    made = []
    for i in range(23):
        org_index = i % 3
        made.append(
            filed_notice(
                orgs[org_index],
                users[org_index],
                status=Status.ACCEPTED if i % 7 == 0 else Status.UNDER_REVIEW,
                # Few distinct values, so that ties are broken by id on every page.
                deadline=calendar.add_business_days(today, i % 4),
                received=base + timedelta(hours=i % 5),
                system_name=f"Paged {i}",
            )
        )
    db.session.commit()
    return made


def expected_order(notices, sort):
    if sort == "received":
        return numbers(sorted(notices, key=lambda n: (n.submitted_at, n.id), reverse=True))
    if sort == "provider":
        return numbers(sorted(notices, key=lambda n: (n.organisation.name_ja, n.id)))
    return by_deadline(notices)


@pytest.mark.parametrize("sort", ["deadline", "received", "provider"])
def test_each_sort_orders_the_queue(reviewer, sortable, sort):
    assert listed(reviewer, status="all", sort=sort) == expected_order(sortable, sort)


@pytest.mark.parametrize("sort", ["status", "id; DROP TABLE notices", "review_deadline", ""])
def test_an_unknown_sort_falls_back_to_the_deadline(reviewer, sortable, sort):
    response = reviewer.get("/review/", query_string={"status": "all", "sort": sort})
    page = response.get_data(as_text=True)
    assert ROW.findall(page) == expected_order(sortable, "deadline")
    assert '<option value="deadline" selected>' in page


# --- keyset paging --------------------------------------------------------------------------


def walk(client, **args) -> tuple[list[str], int]:
    """Follow the "next page" links from the first page; every number seen, and the pages."""
    seen, pages = [], 0
    url = "/review/?" + "&".join(f"{k}={v}" for k, v in args.items())
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        seen += ROW.findall(page)
        pages += 1
        assert pages < 50, "the next links go round in circles"
        link = NEXT.search(page)
        url = html.unescape(link.group(1)) if link else None
    return seen, pages


@pytest.mark.parametrize("sort", ["deadline", "received", "provider"])
def test_paging_visits_every_notice_exactly_once_in_order(app, reviewer, sortable, sort):
    app.config["PAGE_SIZE"] = 5

    seen, pages = walk(reviewer, status="all", sort=sort)

    assert seen == expected_order(sortable, sort)
    assert pages == 5  # 23 notices, 5 a page


def test_paging_by_provider_reaches_every_notice_when_names_are_as_long_as_allowed(
    app, reviewer, people
):
    """A cursor carries the last row's provider name: one of 200 characters, some of them
    outside the BMP, must still fit, or every "next page" would start the list again."""
    names = [(("𠮷" if letter == "A" else "ボ") * 199 + letter) for letter in "CAB"]
    orgs = [make_organisation(name_ja=name, name_en=f"Long {i}") for i, name in enumerate(names)]
    users = [make_user(Role.PROVIDER_USER, org) for org in orgs]
    made = [filed_notice(orgs[i % 3], users[i % 3], system_name=f"Long name {i}") for i in range(7)]
    db.session.commit()
    assert {len(org.name_ja) for org in orgs} == {200}
    app.config["PAGE_SIZE"] = 2

    seen, pages = walk(reviewer, status="all", sort="provider")

    assert seen == expected_order(made, "provider")
    assert pages == 4


def test_paging_keeps_the_filters(app, reviewer, sortable):
    app.config["PAGE_SIZE"] = 2
    expected = [
        n
        for n in sortable
        if n.status == Status.UNDER_REVIEW and n.organisation.name_ja == "プロバイダA"
    ]

    seen, pages = walk(reviewer, status="under_review", q="プロバイダA", sort="received")

    assert seen == expected_order(expected, "received")
    assert pages == -(-len(expected) // 2)


def test_an_exact_page_has_no_next_link(app, reviewer, sortable):
    app.config["PAGE_SIZE"] = 23
    page = reviewer.get("/review/?status=all").get_data(as_text=True)
    assert len(ROW.findall(page)) == 23
    assert not NEXT.search(page)


GARBAGE = {
    "not base64": "!!!not-a-cursor!!!",
    "empty json": cursor(""),
    "a number": cursor("5"),
    "null": cursor("null"),
    "an object": cursor('{"a": 1, "b": 2}'),
    "three items": cursor('["2026-01-01", 1, 2]'),
    "not a date": cursor('["yesterday", 1]'),
    "id not a number": cursor('["2026-01-01", "x"]'),
    "nested": cursor('[["2026-01-01"], {"id": 1}]'),
    "binary": base64.urlsafe_b64encode(bytes(range(256))).decode(),
    "too long": "A" * 5000,
    "id infinite": cursor('["2026-01-01", 1e400]'),
    "id too large": cursor(f'["2026-01-01", {10**30}]'),
}


@pytest.mark.parametrize("sort", ["deadline", "received", "provider"])
@pytest.mark.parametrize(
    "after",
    [pytest.param(k) for k in GARBAGE],
)
def test_a_garbage_cursor_does_not_break_the_queue(reviewer, sortable, sort, after):
    response = reviewer.get(
        "/review/", query_string={"status": "all", "sort": sort, "after": GARBAGE[after]}
    )
    assert response.status_code == 200
    rows = ROW.findall(response.get_data(as_text=True))
    assert rows == expected_order(sortable, sort) or rows == []


# --- statements per page --------------------------------------------------------------------


def seed(people, handlers, count, offset=0):
    orgs = [make_organisation() for _ in range(3)]
    users = [make_user(Role.PROVIDER_USER, org) for org in orgs]
    today = jst_today()
    statuses = itertools.cycle(
        [
            Status.SUBMITTED,
            Status.UNDER_REVIEW,
            Status.INFORMATION_REQUESTED,
            Status.DECISION_PROPOSED,
        ]
    )
    for i in range(count):
        status = next(statuses)
        filed_notice(
            orgs[i % 3],
            users[i % 3],
            status=status,
            handler=None if status == Status.SUBMITTED else handlers[i % len(handlers)],
            deadline=calendar.add_business_days(today, (i + offset) % 25),
        )
    db.session.commit()


# Statements for one queue page, the same for 5 notices or 60: the sign-in session with
# its user, the review staff the handler filter offers, the page of notices with providers,
# handlers and open requests' reply-by dates read with it, the tab counts (and on SQLite
# the BEGIN that app/database.py issues).
STATEMENTS = {"sqlite": 5, "postgresql": 4}


def test_the_queue_costs_the_same_statements_for_5_or_60_notices(reviewer, people):
    handlers = [
        people.reviewer,
        people.supervisor,
        make_user(Role.REVIEWER),
        make_user(Role.REVIEWER),
    ]
    seed(people, handlers, 5)
    with counting_statements() as few:
        page = reviewer.get("/review/").get_data(as_text=True)
    assert len(ROW.findall(page)) == 5

    seed(people, handlers, 55, offset=5)
    with counting_statements() as many:
        page = reviewer.get("/review/").get_data(as_text=True)
    assert len(ROW.findall(page)) == 50
    assert len(set(re.findall(r"<td data-label=\"Handler\">([^<]+)</td>", page))) >= 4

    assert len(many) == len(few), "\n\n".join(many)
    assert len(few) == STATEMENTS[BACKEND], "\n\n".join(few)


# --- the default page reads the open-notices index ------------------------------------------


# The statement that reads the page's notices (the handler filter's staff list reads
# notices too).
PAGE_QUERY = "FROM notices JOIN organisations"


@contextmanager
def capturing_statements():
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_the_default_page_reads_the_open_notices_index(reviewer, people):
    """The open statuses are written into the SQL, so that both planners can use the
    partial index of open notices; with bound values neither could (SQLite never matches
    a partial index against parameters), and the page would skip every decided notice."""
    seed(people, [people.reviewer], 5)
    for _ in range(40):
        filed_notice(people.org_a, people.provider_a_user, status=Status.ACCEPTED)
    db.session.commit()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")  # as `flask demo seed` and autovacuum do
    with capturing_statements() as seen:
        reviewer.get("/review/")
    statement, parameters = next((s, p) for s, p in seen if PAGE_QUERY in s)
    assert "'submitted', 'under_review', 'information_requested', 'decision_proposed'" in statement
    with db.engine.connect() as connection:
        if BACKEND == "sqlite":
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            connection.exec_driver_sql("SET enable_bitmapscan = off")
            # A few rows: sorting them is as cheap as any index; the point is that the
            # partial index, which gives the page's order too, can be chosen at all.
            connection.exec_driver_sql("SET enable_sort = off")
            plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        text = "\n".join(str(row[-1]) for row in plan)
    assert "ix_notices_open_deadline" in text, text


def test_a_search_looks_up_providers_first_so_the_notices_condition_stays_indexable(
    reviewer, people
):
    seed(people, [people.reviewer], 5)
    with capturing_statements() as seen:
        reviewer.get("/review/", query_string={"status": "all", "q": "Vaultline"})
    statement = next(s for s, _ in seen if PAGE_QUERY in s)
    where = statement.split("WHERE", 1)[1]
    assert "organisations.name_key" not in where
    assert "notices.organisation_id IN (" in statement


@pytest.mark.skipif(BACKEND != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_the_search_columns_have_trigram_indexes(app):
    """With sequential scans ruled out, a contains-search of both columns is answered by
    their trigram indexes (on a table this small the planner would otherwise read it)."""
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = connection.exec_driver_sql(
            "EXPLAIN SELECT id FROM notices "
            "WHERE receipt_number ILIKE '%%vault%%' OR system_name_key ILIKE '%%vault%%'"
        )
        text = "\n".join(str(row[0]) for row in plan)
    assert "ix_notices_receipt_number_trgm" in text, text
    assert "ix_notices_system_name_key_trgm" in text, text


def test_the_overdue_filter_reads_indexes_only(reviewer, people, awaiting):
    """Both halves of "overdue" are index lookups: running clocks past their deadline by the
    index on (status, deadline), missed reply-by dates by the notices awaiting a reply and
    each one's requests by the (notice_id, id) index; the notices are never read whole."""
    seed(people, [people.reviewer], 8)
    with capturing_statements() as seen:
        reviewer.get("/review/", query_string={"overdue": "1"})
    statement, parameters = next((s, p) for s, p in seen if PAGE_QUERY in s)
    assert "notices.status IN ('information_requested')" in statement
    with db.engine.connect() as connection:
        if BACKEND == "sqlite":
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            lines = [str(row[-1]) for row in plan]
            assert "SCAN notices" not in lines, lines
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            text = "\n".join(str(row[0]) for row in plan)
            assert "ix_information_requests_notice" in text, text
            assert "Seq Scan on notices" not in text, text
