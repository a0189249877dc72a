"""Wording and formatting on the pages: dates in the page's language rather than ISO text,
no doubled punctuation where a label and a message are joined, a question before a
destructive button (static/js/confirm.js asks it), and what a printout leaves out."""

import re

from babel.dates import format_date

from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.i18n import from_iso, labelled
from tests.review_helpers import jst_today, notice_at, request_info

EN = {"Accept-Language": "en"}


def long_date(day) -> str:
    return format_date(day, "long", locale="en")


def test_the_staff_page_gives_the_reply_by_date_in_words(client, auth, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    reply_by = calendar.add_business_days(jst_today(), 10)
    request_info(notice, people.reviewer, reply_by=reply_by)
    db.session.commit()
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{notice.id}", headers=EN).get_data(as_text=True)

    assert f"reply by {long_date(reply_by)}" in page
    assert f"reply by {reply_by.isoformat()}" not in page


def test_the_receipt_page_gives_the_planned_date_in_words(client, auth, people):
    notice = notice_at(Status.SUBMITTED, people)
    auth.login(client, people.provider_a_user)

    page = client.get(f"/notices/{notice.id}/receipt", headers=EN).get_data(as_text=True)

    planned = re.search(r"Planned service start \(or end\) date</dt><dd>(.*?)</dd>", page).group(1)
    assert planned == long_date(notice.planned_date)


def test_the_submit_checklist_puts_no_colon_after_a_full_sentence(client, auth, people):
    draft = notice_at(Status.DRAFT, people, declaration_confirmed=False)
    auth.login(client, people.provider_a_user)

    page = client.get(f"/notices/{draft.id}/submit", headers=EN).get_data(as_text=True)

    assert (
        "I attest that this notice is true and complete. "
        "The officer must attest that the notice is true and complete." in page
    )
    assert ".:" not in page


def test_a_label_is_joined_to_its_message_with_one_mark():
    assert labelled("System name", "Enter at most 200 characters.") == (
        "System name: Enter at most 200 characters."
    )
    assert labelled("I attest.", "Required.") == "I attest. Required."
    attested = "本届出の内容を表明します。"
    assert labelled(attested, "必須です。") == f"{attested} 必須です。"


def test_iso_text_becomes_a_date_and_anything_else_is_left_alone():
    assert str(from_iso("2026-12-11")) == "2026-12-11"
    assert from_iso("2026-12-11").year == 2026
    assert from_iso("") == ""
    assert from_iso(None) is None
    assert from_iso("not a date") == "not a date"


def test_deleting_a_draft_carries_its_question(client, auth, people):
    draft = notice_at(Status.DRAFT, people, system_name="Vault <One>")
    auth.login(client, people.provider_a_user)

    page = client.get("/notices/", headers=EN).get_data(as_text=True)

    form = re.search(rf'<form[^>]*action="/notices/{draft.id}/delete"[^>]*>', page).group(0)
    assert (
        'data-confirm="Delete the draft “Vault &lt;One&gt;”? A deleted draft cannot be recovered."'
        in form
    )


def test_disabling_a_staff_account_carries_its_question(client, auth, people):
    auth.login(client, people.administrator)

    page = client.get("/admin/users", headers=EN).get_data(as_text=True)

    question = f"Disable the account of {people.reviewer.name}? They can no longer sign in"
    assert f'data-confirm="{question}' in page


def test_the_staff_printout_leaves_out_the_note_form_and_lists_the_documents_once(
    client, auth, people
):
    notice = notice_at(Status.UNDER_REVIEW, people)
    auth.login(client, people.reviewer)

    page = client.get(f"/review/notices/{notice.id}", headers=EN).get_data(as_text=True)

    assert '<h3 class="no-print">Add an internal note</h3>' in page
    # The documents are listed once, in the notice's own Attachments section, which prints.
    assert 'aria-labelledby="files-title"' not in page
    assert '<section class="notice-section" aria-labelledby="snap-attachments">' in page


def test_japanese_names_on_english_pages_are_marked_as_japanese(client, auth, people):
    """A screen reader reads a name in its own language: on the English queue and notice
    page the provider's Japanese name is in lang="ja"; on the Japanese page nothing is."""
    notice = notice_at(Status.UNDER_REVIEW, people)
    name_ja = notice.organisation.name_ja
    auth.login(client, people.reviewer)

    def page(path, language):
        people.reviewer.locale = language
        db.session.commit()
        return client.get(path).get_data(as_text=True)

    for path in ("/review/?status=all", f"/review/notices/{notice.id}"):
        english = page(path, "en")
        assert f'<span lang="ja">{name_ja}</span>' in english, path
        japanese = page(path, "ja")
        assert '<html lang="ja">' in japanese
        assert name_ja in japanese and f'<span lang="ja">{name_ja}</span>' not in japanese


def test_every_action_has_a_name_for_refusals_that_is_not_its_history_entry():
    from app.domain.workflow import Action
    from app.labels import ACTION, ACTION_TO_DO

    assert set(ACTION_TO_DO) == {action.value for action in Action}
    for action, doing in ACTION_TO_DO.items():
        assert str(doing) != str(ACTION.get(action, "")), action


def test_a_stale_form_of_ones_own_does_not_blame_someone_else(client, auth, people):
    notice = notice_at(Status.SUBMITTED, people)
    db.session.commit()
    auth.login(client, people.reviewer)
    url, version = f"/review/notices/{notice.id}/take", notice.version
    assert client.post(url, data={"version": version}).status_code == 303

    again = client.post(url, data={"version": version}, headers=EN)

    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "by your own action" in page
    assert "someone else" not in page
