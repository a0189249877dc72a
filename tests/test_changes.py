"""What differs between filed snapshots: a material change against the notice it refers
to, a response against the version before it; on the examiner's and the provider's pages."""

import copy
import json
import re

import pytest

from app import labels
from app.domain.workflow import Status
from app.extensions import db
from app.filing.changes import compare, text_diff
from app.filing.forms import SecurityForm
from app.filing.models import NoticeType
from app.history.versions import chosen_pair
from tests.review_helpers import (
    notice_at,
    pdf_file,
    request_info,
    respond,
    submitted_notice,
    take,
)


def snapshot_of(notice) -> dict:
    return json.loads(notice.latest_version.snapshot)


def rows(html: str) -> dict[str, str]:
    """The comparison table's rows: item label -> the row's text (tags kept)."""
    table = re.search(r'<table class="changes">(.*?)</table>', html, re.S)
    assert table, "no comparison table"
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]:
        label = re.search(r'<th scope="row">(.*?)</th>', row, re.S).group(1)
        found.setdefault(label, "")
        found[label] += row
    return found


# --- the comparison itself ---------------------------------------------------------------


def test_the_same_snapshot_has_no_differences(app, people):
    notice = notice_at(Status.SUBMITTED, people)

    assert compare(snapshot_of(notice), snapshot_of(notice)) == []


def test_each_changed_field_is_one_difference_with_its_label_and_values_in_words(app, people):
    before = snapshot_of(notice_at(Status.SUBMITTED, people))
    after = copy.deepcopy(before)
    after["system"]["system_version"] = "9.9"
    after["system"]["categories"] = ["cold_storage"]
    after["security"]["signing_scheme"] = "hsm"
    after["provider"]["address"] = before["provider"]["address"] + " 別館"

    found = {c.name: c for c in compare(before, after)}

    assert set(found) == {"system_version", "categories", "signing_scheme", "address"}
    assert found["system_version"].section == "system"
    assert found["system_version"].after == ((True, "9.9"),)
    assert found["address"].section == "provider"
    # Codes are shown as what they mean (in the reader's language).
    assert found["categories"].after == ((True, str(labels.CATEGORY["cold_storage"])),)
    assert found["signing_scheme"].label is SecurityForm.signing_scheme.args[0]


def test_a_long_text_marks_only_the_words_that_changed(app):
    before = "監査ログは90日間保管し、毎月レビューする。\nKeys are in HSMs in Tokyo.\n"
    after = "監査ログは365日間保管し、毎月レビューする。\nKeys are in HSMs in Osaka and Tokyo.\n"

    old, new = text_diff(before, after)

    assert [t for changed, t in old if changed] == ["90"]
    assert [t for changed, t in new if changed] == ["365", "Osaka and "]
    assert "".join(t for _, t in old) == before
    assert "".join(t for _, t in new) == after


def test_a_text_too_long_to_match_word_by_word_is_marked_whole(app):
    before, after = "あ" * 4000, "あ" * 1999 + "い" + "あ" * 2000

    old, new = text_diff(before, after)

    assert old == ((True, before),) and new == ((True, after),)


def test_list_items_are_removed_or_added_and_attachments_known_by_their_hash(app, people):
    before = snapshot_of(notice_at(Status.SUBMITTED, people))
    after = copy.deepcopy(before)
    after["clients"] = [{"registration_number": None, "name": "新取引所", "name_en": ""}]
    after["attachments"].append({**after["attachments"][0], "sha256": "ab" * 32})

    found = compare(before, after)

    clients = [c for c in found if c.section == "clients"]
    assert [(bool(c.before), bool(c.after)) for c in clients] == [(True, False), (False, True)]
    assert clients[1].after == ((True, "新取引所"),)
    (attachment,) = [c for c in found if c.section == "attachments"]
    assert attachment.before == () and "ab" * 32 in attachment.after[0][1]


# --- on the pages --------------------------------------------------------------------------


def change_of(people, accepted, **values):
    """A material change of ``accepted``, submitted by provider A's user."""
    notice = submitted_notice(
        people.provider_a_user,
        notice_type=NoticeType.CHANGE,
        refers_to_id=accepted.id,
        **values,
    )
    db.session.commit()
    return notice


def test_the_examiner_sees_what_a_material_change_alters(client, auth, people):
    accepted = notice_at(Status.ACCEPTED, people, system_version="1.0")
    description = snapshot_of(accepted)["system"]["description"]
    change = change_of(
        people, accepted, system_version="2.0", description=description + " HSM を追加。"
    )
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{change.id}").text

    assert f"What differs from {accepted.receipt_number}, the notice this one refers to" in page
    found = rows(page)
    assert "<del>1.0</del>" in found["Version"] and "<ins>2.0</ins>" in found["Version"]
    # The description keeps its unchanged words unmarked.
    assert (
        '<ins><span class="visually-hidden">[added: </span> HSM を追加。'
        in (found["Description of the system"])
    )
    assert "System name" not in found
    # Being a material change of that notice is no difference of substance.
    assert "Type of notice" not in found
    assert "Earlier notice this one refers to" not in found


def test_the_provider_sees_the_same_comparison_on_its_notice(client, auth, people):
    accepted = notice_at(Status.ACCEPTED, people, system_version="1.0")
    change = change_of(people, accepted, system_version="2.0")
    auth.login(client, people.provider_a_user)

    page = client.get(f"/notices/{change.id}").text

    assert "<ins>2.0</ins>" in rows(page)["Version"]


def test_a_response_shows_what_it_added_since_the_previous_version(client, auth, people):
    notice = submitted_notice(people.provider_a_user)
    take(notice, people.reviewer)
    request_info(notice, people.reviewer)
    respond(notice, people.provider_a_user, files=[pdf_file("pentest-2026.pdf")])
    db.session.commit()
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{notice.id}").text

    assert "What changed since version 1" in page
    found = rows(page)
    assert list(found) == ["Attachments"]
    assert "<ins>pentest-2026.pdf" in found["Attachments"]


def test_a_first_version_of_a_new_notice_has_nothing_to_compare(client, auth, people):
    notice = notice_at(Status.SUBMITTED, people)
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{notice.id}").text

    assert 'class="changes"' not in page and "What changed" not in page


def test_the_comparison_is_in_japanese_for_a_japanese_reader(client, auth, people):
    accepted = notice_at(Status.ACCEPTED, people, system_version="1.0")
    change = change_of(people, accepted, system_version="2.0")
    people.reviewer.locale = "ja"
    db.session.commit()
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{change.id}", headers={"Accept-Language": "ja"}).text

    assert f"{accepted.receipt_number}（この届出が参照する届出）との相違" in page
    assert "<ins>2.0</ins>" in rows(page)["バージョン"]


# --- choosing the two versions to compare ----------------------------------------------------


def three_versions(people):
    """Provider A's notice filed (version 1), then answered twice: version 2 adds
    first-answer.pdf, version 3 second-answer.pdf."""
    notice = submitted_notice(people.provider_a_user)
    take(notice, people.reviewer)
    for name in ("first-answer.pdf", "second-answer.pdf"):
        request_info(notice, people.reviewer)
        respond(notice, people.provider_a_user, files=[pdf_file(name)])
    db.session.commit()
    assert [v.number for v in notice.versions] == [1, 2, 3]
    return notice


def heading(html: str) -> str:
    found = re.findall(r'<h2 id="changes-\d+">(.*?)</h2>', html, re.S)
    assert len(found) == 1, found
    return found[0]


def added_files(html: str) -> list[str]:
    return re.findall(r"<ins>([\w-]+\.pdf)", rows(html).get("Attachments", ""))


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select id="compare-{name}" name="{name}">(.*?)</select>', html, re.S)
    assert select, f"no {name} select"
    return re.search(r'<option value="(\d+)" selected>', select.group(1)).group(1)


def test_the_latest_version_is_compared_with_the_one_before_and_others_may_be_chosen(
    client, auth, people
):
    notice = three_versions(people)
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{notice.id}").text

    assert heading(page) == "What changed since version 2"
    assert added_files(page) == ["second-answer.pdf"]
    form = re.search(r'<form method="get" action="([^"]+)" class="compare-versions', page)
    assert form and form.group(1) == f"/review/notices/{notice.id}#changes-1"
    assert (selected(page, "from"), selected(page, "to")) == ("2", "3")
    assert re.findall(r'<option value="(\d+)"', page) == ["1", "2", "3"] * 2
    assert ", latest)</option>" in page


@pytest.mark.parametrize(
    ("query", "title", "files", "chosen"),
    [
        (
            {"from": "1", "to": "3"},
            "What changed since version 1",
            ["first-answer.pdf", "second-answer.pdf"],
            ("1", "3"),
        ),
        (
            {"from": "1", "to": "2"},
            "What changed from version 1 to version 2",
            ["first-answer.pdf"],
            ("1", "2"),
        ),
        # Either way round: the earlier version is the "before" side.
        (
            {"from": "3", "to": "1"},
            "What changed since version 1",
            ["first-answer.pdf", "second-answer.pdf"],
            ("1", "3"),
        ),
        # One side given: "to" against the one before it, "from" against the latest.
        ({"to": "2"}, "What changed from version 1 to version 2", ["first-answer.pdf"], ("1", "2")),
        (
            {"from": "1"},
            "What changed since version 1",
            ["first-answer.pdf", "second-answer.pdf"],
            ("1", "3"),
        ),
    ],
)
def test_the_examiner_compares_the_versions_chosen(
    client, auth, people, query, title, files, chosen
):
    notice = three_versions(people)
    auth.login(client, people.reviewer)

    response = client.get(f"/review/notices/{notice.id}", query_string=query)

    assert response.status_code == 200
    page = response.text
    assert heading(page) == title
    assert added_files(page) == files
    assert (selected(page, "from"), selected(page, "to")) == chosen
    assert "could not be compared" not in page


@pytest.mark.parametrize(
    "query",
    [
        {"from": "0", "to": "3"},
        {"from": "1", "to": "4"},
        {"from": "2", "to": "2"},
        {"to": "1"},
        {"from": "abc"},
        {"from": "-1", "to": "2"},
        {"from": "1.5", "to": "3"},
        {"from": "99999999999999999999999999", "to": "3"},
        {"from": "２", "to": "3"},  # a full-width digit names no version here
        {"from": "1\x00", "to": "3"},
    ],
)
def test_versions_a_notice_does_not_have_are_ignored_and_said(client, auth, people, query):
    notice = three_versions(people)
    auth.login(client, people.reviewer)

    response = client.get(f"/review/notices/{notice.id}", query_string=query)

    assert response.status_code == 200
    page = response.text
    assert (
        '<p class="panel" role="status">The versions asked for could not be compared, so the '
        "latest version is compared with the one before it.</p>" in page
    )
    assert heading(page) == "What changed since version 2"
    assert added_files(page) == ["second-answer.pdf"]


def test_two_versions_compare_one_way_only_so_no_choice_is_offered(client, auth, people):
    notice = submitted_notice(people.provider_a_user)
    take(notice, people.reviewer)
    request_info(notice, people.reviewer)
    respond(notice, people.provider_a_user, files=[pdf_file("only-answer.pdf")])
    db.session.commit()
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{notice.id}").text

    assert heading(page) == "What changed since version 1"
    assert "compare-versions" not in page


def test_version_values_on_a_notice_of_one_version_change_nothing(client, auth, people):
    notice = notice_at(Status.SUBMITTED, people)
    auth.login(client, people.reviewer)

    response = client.get(f"/review/notices/{notice.id}", query_string={"from": "1", "to": "2"})

    assert response.status_code == 200
    assert 'class="changes"' not in response.text and "could not be compared" not in response.text


def test_a_material_change_keeps_its_comparison_beside_the_versions_chosen(client, auth, people):
    accepted = notice_at(Status.ACCEPTED, people, system_version="1.0")
    change = change_of(people, accepted, system_version="2.0")
    take(change, people.reviewer)
    for name in ("first-answer.pdf", "second-answer.pdf"):
        request_info(change, people.reviewer)
        respond(change, people.provider_a_user, files=[pdf_file(name)])
    db.session.commit()
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{change.id}", query_string={"from": "1", "to": "2"}).text

    assert f"What differs from {accepted.receipt_number}, the notice this one refers to" in page
    assert "What changed from version 1 to version 2" in page


# The provider's page (app/filing/submission.py: show_page) passes its comparisons through
# app.history.versions.with_chosen_versions as the staff page does.
def test_the_provider_chooses_versions_of_its_own_notice(client, auth, people):
    notice = three_versions(people)
    auth.login(client, people.provider_a_user)

    page = client.get(f"/notices/{notice.id}", query_string={"from": "1", "to": "2"}).text

    assert heading(page) == "What changed from version 1 to version 2"
    assert added_files(page) == ["first-answer.pdf"]
    assert (selected(page, "from"), selected(page, "to")) == ("1", "2")
    bad = client.get(f"/notices/{notice.id}", query_string={"from": "7"})
    assert bad.status_code == 200 and "could not be compared" in bad.text


def test_another_providers_notice_stays_hidden_whatever_versions_are_asked(client, auth, people):
    notice = three_versions(people)
    auth.login(client, people.provider_b)

    for query in ({}, {"from": "1", "to": "2"}, {"from": "x"}):
        assert client.get(f"/notices/{notice.id}", query_string=query).status_code == 404


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, ((2, 3), False)),
        ({"from": "", "to": ""}, ((2, 3), False)),
        ({"from": "1", "to": "3"}, ((1, 3), False)),
        ({"from": "3", "to": "1"}, ((1, 3), False)),
        ({"to": "2"}, ((1, 2), False)),
        ({"from": "2"}, ((2, 3), False)),
        ({"from": "3"}, ((2, 3), True)),
        ({"to": "1"}, ((2, 3), True)),
        ({"from": "4"}, ((2, 3), True)),
        ({"from": " 1", "to": "3"}, ((2, 3), True)),
    ],
)
def test_the_pair_chosen(args, expected):
    assert chosen_pair([1, 2, 3], args) == expected
