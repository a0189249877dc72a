"""Server-side sign-in sessions and the headers every response carries."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from app.accounts.sessions import SignInSession
from app.extensions import db
from app.models import utcnow
from tests.filing_helpers import complete_draft


def _age_sessions(**columns):
    db.session.execute(update(SignInSession).values(**columns))
    db.session.commit()


def test_a_copied_cookie_is_refused_after_sign_out(app, client, auth, people):
    auth.login(client, people.reviewer)
    cookie = client.get_cookie("session").value
    assert client.get("/review/").status_code == 200

    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    replay = thief.get("/review/")
    assert replay.status_code == 302
    assert "/login" in replay.location


def test_an_idle_session_ends(client, auth, people):
    auth.login(client, people.reviewer)
    _age_sessions(last_seen_at=utcnow() - timedelta(minutes=31))
    assert client.get("/review/").status_code == 302


def test_a_session_ends_after_the_absolute_limit_even_when_busy(client, auth, people):
    auth.login(client, people.reviewer)
    _age_sessions(created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    assert client.get("/review/").status_code == 302


def test_staying_signed_in_restarts_the_idle_clock(client, auth, people):
    auth.login(client, people.reviewer)
    _age_sessions(last_seen_at=utcnow() - timedelta(minutes=29))
    response = client.post("/session/extend")
    assert response.status_code == 200
    assert response.get_json()["idle_seconds"] == 30 * 60
    _age_sessions(last_seen_at=utcnow() - timedelta(minutes=5))
    assert client.get("/review/").status_code == 200


def _signed_out_mid_form(client, auth, people):
    """Provider A's user with a draft open, whose session then timed out."""
    notice = complete_draft(people.provider_a_user)
    db.session.commit()
    auth.login(client, people.provider_a_user)
    page = f"/notices/{notice.id}/edit/system"
    assert client.get(page).status_code == 200
    _age_sessions(last_seen_at=utcnow() - timedelta(minutes=31))
    return page


def test_answers_sent_after_the_timeout_are_kept_to_send_again_once_signed_in(client, auth, people):
    page = _signed_out_mid_form(client, auth, people)

    sent = client.post(
        page,
        data={"system_name": "Typed after the timeout"},
        headers={"Referer": f"http://localhost{page}"},
    )

    assert sent.status_code == 401
    kept = sent.get_data(as_text=True)
    assert 'name="system_name" value="Typed after the timeout"' in kept
    assert "You have been signed out. Sign in again in a new tab" in kept
    assert f'action="{page}"' in kept
    # Signed in again (another tab), "Send again" saves them.
    auth.login(client, people.provider_a_user)
    again = client.post(page, data={"system_name": "Typed after the timeout"})
    assert again.status_code == 302
    assert "Typed after the timeout" in client.get(page).get_data(as_text=True)


def test_a_button_pressed_after_the_timeout_leads_back_to_its_page_after_signing_in(
    client, auth, people
):
    page = _signed_out_mid_form(client, auth, people)

    # A button sends nothing but its token: nothing to keep, so to the sign-in page.
    sent = client.post(page, headers={"Referer": f"http://localhost{page}"})

    assert sent.status_code == 302
    assert sent.location == f"/login?next={page}"
    # Signing in leads to the page the button was on, which answers GET (a POST-only
    # address such as /review/notices/1/propose-decision would answer 405).
    signed_in = auth.login(client, people.provider_a_user, next=page)
    assert urlsplit(signed_in.location).path == page
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("referrer", [None, "https://elsewhere.example.com/notices/1"])
def test_a_form_sent_from_nowhere_known_leads_to_the_plain_sign_in_page(
    client, auth, people, referrer
):
    page = _signed_out_mid_form(client, auth, people)
    headers = {"Referer": referrer} if referrer else {}

    sent = client.post(page, data={"system_name": "Typed"}, headers=headers)

    assert sent.status_code == 302
    assert sent.location == "/login"


def test_an_autosave_after_the_timeout_is_told_so_not_sent_a_sign_in_page(client, auth, people):
    page = _signed_out_mid_form(client, auth, people)

    saved = client.post(page, data={"system_name": "Typed"}, headers={"X-Autosave": "1"})

    assert saved.status_code == 401
    assert saved.get_json()["signed_out"] is True
    assert "You have been signed out, so this was not saved." in saved.get_json()["message"]


def test_other_sessions_survive_one_sign_out(app, client, auth, people):
    other = app.test_client()
    auth.login(client, people.reviewer)
    auth.login(other, people.reviewer)
    client.post("/logout")
    assert other.get("/review/").status_code == 200


def test_sign_out_everywhere_else_ends_the_other_browsers_only(app, client, auth, people):
    laptop, phone, old = app.test_client(), app.test_client(), app.test_client()
    user = people.provider_a_user
    for browser in (client, laptop, phone, old):
        auth.login(browser, user)
    # One of them timed out long ago: it is not counted as signed in.
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.id == 4)
        .values(last_seen_at=utcnow() - timedelta(hours=2))
    )
    db.session.commit()
    assert "also signed in on 2 other browsers" in client.get("/account").text

    response = client.post("/account/sessions/end-others")
    assert response.status_code == 302
    for browser in (laptop, phone):
        assert "/login" in browser.get("/notices/").location
    page = client.get("/account").text
    assert "also signed in on" not in page and "now signed out" in page
    assert client.get("/notices/").status_code == 200
    assert "Signed out of every other browser" in client.get("/account/activity").text


def test_every_response_carries_the_security_headers(client, auth, people):
    for response in (
        client.get("/login"),
        client.get("/no-such-page"),
        client.get("/register.csv", buffered=True),
    ):
        headers = response.headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
    auth.login(client, people.provider_a_user)
    assert client.get("/notices/").headers["Cache-Control"] == "no-store"
