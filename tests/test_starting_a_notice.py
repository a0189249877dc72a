"""Starting a notice at "Start a new notice" as a browser sends the form: a material change
or a discontinuation names one of the organisation's own accepted notices in one labelled
list, and any other notice is refused the same way as one that does not exist."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.filing.models import Notice
from tests import filing_helpers

MONDAY_NOON_JST = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
MUST_REFER = "A change or discontinuation must refer to one of your accepted notices."


class Controls(HTMLParser):
    """The form's controls in document order, and the labels' targets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.controls: list[dict] = []
        self.label_for: list[str] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.label_for.append(a["for"])
        elif tag in ("input", "select") and a.get("name"):
            self.controls.append({"tag": tag, **a, "options": []})
            self._select = self.controls[-1] if tag == "select" else None
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def controls(response):
    parser = Controls()
    parser.feed(response.get_data(as_text=True))
    return parser


def same_but_token(response) -> str:
    page = response.get_data(as_text=True)
    for token in set(re.findall(r'name="csrf_token" value="([^"]+)"', page)):
        page = page.replace(token, "{csrf token}")
    return page


def as_a_browser_sends(page, notice_type, refers_to):
    """What a browser posts after choosing ``notice_type`` and the ``refers_to`` option:
    every named control in document order, hidden ones included."""
    data = MultiDict()
    for control in page.controls:
        if control["tag"] == "select":
            assert refers_to in control["options"], control
            data.add(control["name"], refers_to)
        elif control.get("type") == "radio":
            if control["value"] == notice_type:
                data.add(control["name"], control["value"])
        else:
            data.add(control["name"], control.get("value", ""))
    return data


def accepted_notice(user):
    return filing_helpers.accepted_notice(user, now=MONDAY_NOON_JST)


def notices():
    return db.session.scalar(select(func.count()).select_from(Notice))


@pytest.fixture(autouse=True)
def _references_cleared(app):
    """Drop references between notices before the harness empties the tables (SQLite
    checks ON DELETE RESTRICT row by row)."""
    yield
    db.session.rollback()
    db.session.execute(update(Notice).values(refers_to_id=None))
    db.session.commit()


def test_the_earlier_notice_is_one_labelled_list(signed_in, people):
    earlier = accepted_notice(people.provider_a_user)

    page = controls(signed_in.get("/notices/new"))

    named = [c for c in page.controls if c["name"] == "refers_to_id"]
    assert [(c["tag"], c["id"]) for c in named] == [("select", "refers_to_id")]
    assert str(earlier.id) in named[0]["options"]
    assert page.label_for.count("refers_to_id") == 1


@pytest.mark.parametrize("kind", ["change", "discontinuation"])
def test_a_change_is_started_from_the_form_as_a_browser_sends_it(signed_in, people, kind):
    earlier = accepted_notice(people.provider_a_user)
    page = controls(signed_in.get("/notices/new"))

    response = signed_in.post("/notices/new", data=as_a_browser_sends(page, kind, str(earlier.id)))

    assert response.status_code == 302, response.get_data(as_text=True)
    started = db.session.scalars(select(Notice).where(Notice.id != earlier.id)).one()
    assert (started.notice_type, started.refers_to_id) == (kind, earlier.id)
    assert response.location.endswith(f"/notices/{started.id}/edit")


def test_a_change_without_an_earlier_notice_is_refused_beside_the_list(signed_in, people):
    accepted_notice(people.provider_a_user)
    page = controls(signed_in.get("/notices/new"))

    response = signed_in.post("/notices/new", data=as_a_browser_sends(page, "change", ""))

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'<p class="error-message" id="refers_to_id-error"><span>{MUST_REFER}</span>' in body
    assert 'aria-describedby="refers_to_id-hint refers_to_id-error"' in body
    assert notices() == 1


@pytest.mark.parametrize("kind", ["change", "discontinuation"])
def test_another_organisations_notice_is_refused_like_one_that_does_not_exist(
    signed_in, people, kind
):
    accepted_notice(people.provider_a_user)
    theirs = accepted_notice(people.provider_b)
    missing = db.session.scalar(select(func.max(Notice.id))) + 1000

    refused = [
        signed_in.post("/notices/new", data={"notice_type": kind, "refers_to_id": str(notice_id)})
        for notice_id in (theirs.id, missing)
    ]

    assert [r.status_code for r in refused] == [422, 422]
    # Alike but for the CSRF token, which is signed with the time (the second may turn).
    assert same_but_token(refused[0]) == same_but_token(refused[1])
    assert MUST_REFER in refused[0].get_data(as_text=True)
    assert notices() == 2


def test_a_new_service_ignores_an_earlier_notice(signed_in, people):
    earlier = accepted_notice(people.provider_a_user)
    page = controls(signed_in.get("/notices/new"))

    response = signed_in.post("/notices/new", data=as_a_browser_sends(page, "new", str(earlier.id)))

    assert response.status_code == 302
    started = db.session.scalars(select(Notice).where(Notice.id != earlier.id)).one()
    assert (started.notice_type, started.refers_to_id) == ("new", None)
