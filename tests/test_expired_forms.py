"""An expired form (CSRF token or session) never discards what the user typed."""

import re

from app.extensions import db
from app.filing.models import Notice
from tests.filing_helpers import complete_draft


def _kept_form(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_a_stale_token_keeps_the_answers_and_one_press_sends_them(app, client, auth, people):
    draft = complete_draft(people.provider_a_admin, system_name="Old name")
    db.session.commit()
    auth.login(client, people.provider_a_admin)
    app.config["WTF_CSRF_ENABLED"] = True

    url = f"/notices/{draft.id}/edit/system"
    response = client.post(
        url, data={"csrf_token": "expired", "system_name": "新しい名前 <b>", "system_version": "9"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "新しい名前 &lt;b&gt;" in page  # kept, and shown as text
    db.session.expire_all()
    assert db.session.get(Notice, draft.id).system_name == "Old name"  # nothing saved yet

    kept = _kept_form(page)
    assert kept["system_name"] == "新しい名前 &lt;b&gt;"
    resent = client.post(
        url,
        data={
            "csrf_token": kept["csrf_token"],
            "system_name": "新しい名前 <b>",
            "system_version": kept["system_version"],
        },
    )
    assert resent.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notice, draft.id).system_name == "新しい名前 <b>"


def test_a_password_is_never_written_back_into_the_page(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        "/login", data={"csrf_token": "expired", "email": "a@example.jp", "password": "secret-1"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "a@example.jp" in page
    assert "secret-1" not in page


def test_a_form_expired_by_signing_in_as_someone_else_says_who_is_signed_in_now(
    app, client, auth, people
):
    """Signed in as provider B in another tab, a form of provider A's draft expires: the
    page names the account now signed in and warns against sending it again as that one."""
    draft = complete_draft(people.provider_a_admin)
    db.session.commit()
    auth.login(client, people.provider_b)
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post(
        f"/notices/{draft.id}/edit/system", data={"csrf_token": "another session's"}
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"This browser is now signed in as {people.provider_b.name}" in page
    assert people.org_b.name_en in page
    assert "do not send it again" in page
