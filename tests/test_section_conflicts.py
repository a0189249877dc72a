"""Two tabs (or two colleagues) on one section: the later save of a page opened before the
earlier one is refused, nothing written, and says why; a save after the notice was
submitted says so too. (The browser side: tests/browser/test_two_tabs.py.)"""

import threading
import time
from datetime import UTC, datetime

import pytest

from app.database import write_intent
from app.extensions import db
from app.filing import operations
from app.filing.forms import SystemForm
from app.filing.models import Notice
from app.filing.sections import FINGERPRINT_FIELD, answers_fingerprint
from tests.filing_helpers import complete_draft, rules
from tests.test_filing_journey import form_values

AUTOSAVE = {"X-Autosave": "1", "Accept": "application/json"}
MONDAY_NOON_JST = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)

CHANGED = "This section was changed after you opened it"
NOT_SAVED = "The answers on this page are yours and have not been saved."
NEW_TAB = "To see the saved answers, open this section in a new tab:"
REPLACE = (
    "To keep your answers instead, check them and press “Save draft” again: they will "
    "replace the saved answers."
)
AUTOSAVE_CHANGED = "Not saved: this section was changed in another window or by a colleague"
NOT_EDITABLE = "This notice has been submitted and can no longer be edited."


@pytest.fixture
def draft(people):
    notice = complete_draft(
        people.provider_a_user, description="The description as filed.", system_version="1.0"
    )
    db.session.commit()
    return notice


def url(notice, key="system"):
    return f"/notices/{notice.id}/edit/{key}"


def stored(notice_id) -> Notice:
    db.session.expire_all()
    return db.session.get(Notice, notice_id)


def opened(client, notice, key="system") -> dict:
    """A tab on the section: what its form would send back as it stands."""
    page = client.get(url(notice, key))
    assert page.status_code == 200
    return form_values(page)


def changed(tab: dict, **answers) -> dict:
    return {**tab, **{name: [value] for name, value in answers.items()}}


def text(response) -> str:
    return response.get_data(as_text=True)


# --- a full save (the buttons) ----------------------------------------------------------------


def test_the_second_tab_is_refused_keeps_its_answers_and_a_second_press_replaces(signed_in, draft):
    tab_a = opened(signed_in, draft)
    tab_b = opened(signed_in, draft)
    assert tab_a[FINGERPRINT_FIELD] == tab_b[FINGERPRINT_FIELD]

    saved = signed_in.post(url(draft), data=changed(tab_a, description="A's new description."))
    assert saved.status_code == 302
    refused = signed_in.post(url(draft), data={**changed(tab_b, system_version="2.0"), "save": "1"})

    # Nothing of B's is written: A's description stands.
    assert refused.status_code == 409
    notice = stored(draft.id)
    assert notice.description == "A's new description."
    assert notice.system_version == "1.0"
    # The page says what happened and what to do, with B's answers still in the form.
    page = text(refused)
    for sentence in (CHANGED, NOT_SAVED, NEW_TAB, REPLACE):
        assert sentence in page
    assert f'href="{url(draft)}" target="_blank"' in page
    kept = form_values(refused)
    assert kept["system_version"] == ["2.0"]
    assert kept["description"] == ["The description as filed."]
    # ... and the fingerprint of what is stored now: pressing Save again replaces it.
    assert kept[FINGERPRINT_FIELD] != tab_b[FINGERPRINT_FIELD]

    again = signed_in.post(url(draft), data={**kept, "save": "1"})
    assert again.status_code == 302
    notice = stored(draft.id)
    assert notice.system_version == "2.0"
    assert notice.description == "The description as filed."


def test_a_colleague_who_saved_first_is_not_overwritten(app, signed_in, draft, auth, people):
    colleague = app.test_client()
    auth.login(colleague, people.provider_a_admin)
    mine = opened(signed_in, draft)
    theirs = opened(colleague, draft)

    assert colleague.post(url(draft), data=changed(theirs, system_name="Their name")).status_code
    refused = signed_in.post(url(draft), data=changed(mine, description="Mine."))

    assert refused.status_code == 409
    assert CHANGED in text(refused)
    notice = stored(draft.id)
    assert (notice.system_name, notice.description) == ("Their name", "The description as filed.")


def test_a_refused_answer_keeps_the_fingerprint_the_page_was_opened_with(signed_in, draft):
    """Correcting an answer the server refused does not make a later save win over one
    made in between by another tab."""
    tab_a = opened(signed_in, draft)
    tab_b = opened(signed_in, draft)
    assert signed_in.post(url(draft), data=changed(tab_a, description="A's.")).status_code == 302

    invalid = signed_in.post(url(draft), data=changed(tab_b, system_name="x" * 1000))
    assert invalid.status_code == 422
    kept = form_values(invalid)
    assert kept[FINGERPRINT_FIELD] == tab_b[FINGERPRINT_FIELD]

    corrected = signed_in.post(url(draft), data={**kept, "system_name": ["B's name"]})
    assert corrected.status_code == 409
    assert stored(draft.id).description == "A's."


# --- autosave -----------------------------------------------------------------------------------


def test_an_autosave_from_the_second_tab_is_a_conflict_and_writes_nothing(signed_in, draft):
    tab_a = opened(signed_in, draft)
    tab_b = opened(signed_in, draft)

    first = signed_in.post(url(draft), data=changed(tab_a, description="A."), headers=AUTOSAVE)
    assert first.status_code == 200
    assert first.json["saved"] is True
    assert first.json["fingerprint"] != tab_a[FINGERPRINT_FIELD][0]

    second = signed_in.post(url(draft), data=changed(tab_b, system_version="2"), headers=AUTOSAVE)

    assert second.status_code == 409
    assert second.json["saved"] is False
    assert second.json["conflict"] is True
    assert second.json["message"].startswith(AUTOSAVE_CHANGED)
    notice = stored(draft.id)
    assert (notice.description, notice.system_version) == ("A.", "1.0")


def test_a_tab_s_own_saves_in_a_row_do_not_conflict_with_each_other(signed_in, draft):
    tab = opened(signed_in, draft)
    first = signed_in.post(url(draft), data=changed(tab, description="One."), headers=AUTOSAVE)
    assert first.status_code == 200

    # The page puts the fingerprint the save brought back in its form (autosave.js).
    tab[FINGERPRINT_FIELD] = [first.json["fingerprint"]]
    second = signed_in.post(url(draft), data=changed(tab, description="Two."), headers=AUTOSAVE)
    assert second.status_code == 200
    tab[FINGERPRINT_FIELD] = [second.json["fingerprint"]]
    pressed = signed_in.post(url(draft), data={**changed(tab, description="Three."), "save": "1"})

    assert pressed.status_code == 302
    assert stored(draft.id).description == "Three."
    # The same answers saved again give the same fingerprint: it is of the answers alone.
    tab = opened(signed_in, draft)
    assert tab[FINGERPRINT_FIELD] != [first.json["fingerprint"]]
    again = signed_in.post(url(draft), data=changed(tab, description="One."), headers=AUTOSAVE)
    assert again.json["fingerprint"] == first.json["fingerprint"]


# --- what does not conflict ---------------------------------------------------------------------


def test_a_save_to_another_section_does_not_conflict(signed_in, draft):
    system = opened(signed_in, draft)
    security = opened(signed_in, draft, "security")
    declaration = opened(signed_in, draft, "declaration")

    assert signed_in.post(url(draft), data=changed(system, description="New.")).status_code == 302
    saved = signed_in.post(
        url(draft, "security"), data=changed(security, pentest_tester="Other Tester K.K.")
    )
    autosaved = signed_in.post(
        url(draft, "declaration"),
        data=changed(declaration, declarant_title="CEO"),
        headers=AUTOSAVE,
    )

    assert saved.status_code == 302
    assert autosaved.status_code == 200
    notice = stored(draft.id)
    assert notice.description == "New."
    assert notice.pentest_tester == "Other Tester K.K."
    assert notice.declarant_title == "CEO"


def test_adding_and_removing_list_entries_does_not_conflict(signed_in, draft):
    security = opened(signed_in, draft, "security")
    added = signed_in.post(
        f"/notices/{draft.id}/subcontractors",
        data={"sub-name": "DevCo", "sub-country": "VN", "sub-function": "Development"},
    )
    assert added.status_code == 302

    saved = signed_in.post(url(draft, "security"), data=changed(security, rto_minutes="90"))

    assert saved.status_code == 302
    notice = stored(draft.id)
    assert notice.rto_minutes == 90
    assert [s.name for s in notice.subcontractors] == ["DevCo"]


def test_a_form_without_a_fingerprint_is_saved_as_before(signed_in, draft):
    """A page made before the check (or a script) sends none: saved as it always was."""
    response = signed_in.post(url(draft), data={"system_name": "No fingerprint"})

    assert response.status_code == 302
    assert stored(draft.id).system_name == "No fingerprint"


# --- two saves at the same moment ---------------------------------------------------------------


def test_of_two_saves_at_the_same_moment_the_second_waits_and_is_refused(app, draft):
    """The comparison and the write are one step under the notice's row lock: the second
    save waits for the first to commit, then finds its answers (PostgreSQL: without the
    lock, it would compare with what it read before and overwrite them)."""
    notice_id = draft.id
    with app.test_request_context():
        seen = answers_fingerprint(SystemForm, stored(notice_id))
    db.session.remove()  # the test's own session holds nothing while the threads run
    first_holds_the_lock = threading.Event()
    results = {}

    def save(name, description, *, hold=0.0, after=None):
        try:
            with app.test_request_context(method="POST"):
                write_intent.set(True)  # as for any POST (app/database.py)
                if after is not None:
                    after.wait(10)
                notice = db.session.get(Notice, notice_id)
                operations.save_section_seen(
                    notice,
                    {"description": description},
                    seen=seen,
                    fingerprint_of=lambda n: answers_fingerprint(SystemForm, n),
                )
                if hold:
                    first_holds_the_lock.set()
                    time.sleep(hold)
                db.session.commit()
                results[name] = "saved"
        except operations.SectionChanged:
            results[name] = "refused"
        except Exception as error:  # reported by the assertion below
            results[name] = repr(error)
        finally:
            first_holds_the_lock.set()

    first = threading.Thread(target=save, args=("first", "First."), kwargs={"hold": 1.0})
    second = threading.Thread(
        target=save, args=("second", "Second."), kwargs={"after": first_holds_the_lock}
    )
    first.start()
    second.start()
    first.join(30)
    second.join(30)

    assert results == {"first": "saved", "second": "refused"}
    assert stored(notice_id).description == "First."


# --- after the notice was submitted (in another tab) ------------------------------------------


def submitted(draft, people):
    operations.submit_notice(draft, people.provider_a_user, now=MONDAY_NOON_JST, rules=rules())
    db.session.commit()
    return stored(draft.id)


def test_a_save_after_submission_says_so_and_shows_the_answers_sent(signed_in, draft, people):
    tab = opened(signed_in, draft)
    notice = submitted(draft, people)

    response = signed_in.post(
        url(draft), data={**changed(tab, description="Typed after filing <b>."), "save": "1"}
    )

    assert response.status_code == 409
    page = text(response)
    assert NOT_EDITABLE in page
    assert (
        f"This notice was submitted as {notice.receipt_number} on 2026-06-01 12:00 JST "
        "and can no longer be changed."
    ) in page
    assert "The answers you sent were not saved." in page
    assert "Typed after filing &lt;b&gt;." in page  # shown as text, to copy
    assert "Description of the system" in page
    assert f'href="/notices/{draft.id}"' in page
    assert stored(draft.id).description == "The description as filed."


def test_an_autosave_after_submission_is_refused_with_the_receipt_number(signed_in, draft, people):
    tab = opened(signed_in, draft)
    notice = submitted(draft, people)

    response = signed_in.post(url(draft), data=changed(tab, description="Late."), headers=AUTOSAVE)

    assert response.status_code == 409
    assert response.json["saved"] is False
    assert response.json["submitted"] is True
    message = response.json["message"]
    assert notice.receipt_number in message
    assert "can no longer be changed" in message
    assert "Your unsaved text is still on this page: copy it if you need it." in message
    assert stored(draft.id).description == "The description as filed."


@pytest.mark.parametrize("path", ["/edit/system", "/edit/clients", "/edit"])
def test_an_old_bookmark_of_a_submitted_notice_says_why_it_leads_to_the_notice(
    signed_in, draft, people, path
):
    notice = submitted(draft, people)

    response = signed_in.get(f"/notices/{draft.id}{path}")

    assert response.status_code == 302
    assert response.location.endswith(f"/notices/{draft.id}")
    shown = text(signed_in.get(response.location))
    assert f"This notice was submitted as {notice.receipt_number}" in shown
