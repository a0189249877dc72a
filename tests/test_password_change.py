"""Changing one's password, and the limits every password field puts on its input."""

from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from app.accounts import passwords
from app.accounts.models import User
from app.extensions import db
from app.mail.models import OutboxMessage
from tests.factories import PASSWORD, make_user
from tests.test_accounts import WRONG_CREDENTIALS, field_error, path, url

NEW_PASSWORD = "a brand new passphrase"


def change(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        url("accounts.change_password"),
        data={
            "current_password": current,
            "new_password": new,
            "new_password_confirm": new if again is None else again,
        },
    )


def test_a_password_change_ends_every_other_session_but_this_one(app, people, auth):
    user = people.provider_a_user
    mine, other = app.test_client(), app.test_client()
    auth.login(mine, user)
    auth.login(other, user)
    assert other.get(url("filing.dashboard")).status_code == 200

    response = change(mine)

    assert response.status_code == 302
    assert path(response) == url("accounts.account")
    assert path(other.get(url("filing.dashboard"))) == url("accounts.login")
    assert mine.get(url("filing.dashboard")).status_code == 200
    # The new password signs in; the old one no longer does.
    auth.login(app.test_client(), user, password=NEW_PASSWORD)
    refused = app.test_client().post(
        url("accounts.login"), data={"email": user.email, "password": PASSWORD}
    )
    assert field_error(refused, "password") == WRONG_CREDENTIALS


def test_a_password_change_sends_a_notice_in_the_users_language(app, client, people, auth):
    user = people.reviewer
    user.locale = "ja"
    db.session.commit()
    auth.login(client, user)

    assert change(client).status_code == 302

    notices = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "password_changed")
    ).all()
    assert [(m.recipient, m.language) for m in notices] == [(user.email, "ja")]
    assert notices[0].notice_id is None
    assert user.email in notices[0].body
    assert notices[0].subject == "パスワードが変更されました"


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        ("not my password", NEW_PASSWORD, None, "current_password", "not correct"),
        (PASSWORD, "too short", None, "new_password", "between 12 and 128"),
        (PASSWORD, "x" * 129, None, "new_password", "between 12 and 128"),
        (PASSWORD, NEW_PASSWORD, "something else entirely", "new_password_confirm", "match"),
        ("x" * 1025, NEW_PASSWORD, None, "current_password", "at most 1024"),
    ],
)
def test_a_refused_password_change_changes_nothing(
    app, people, auth, current, new, again, field, message
):
    user = people.provider_a_user
    mine, other = app.test_client(), app.test_client()
    auth.login(mine, user)
    auth.login(other, user)
    before = (user.password_hash, user.session_nonce)

    response = change(mine, current, new, again)

    assert response.status_code == 200
    assert message in field_error(response, field)
    db.session.refresh(user)
    assert (user.password_hash, user.session_nonce) == before
    assert other.get(url("filing.dashboard")).status_code == 200
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_a_guest_cannot_change_a_password(client, people):
    response = change(client)
    assert path(response) == url("accounts.login")


# --- the length of a password -------------------------------------------------------------


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash the app compares against, counted."""
    seen = []
    real = passwords.check_password_hash

    def counted(password_hash, password):
        seen.append(len(password))
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", counted)
    return seen


def test_unknown_account_and_wrong_password_both_check_one_hash(client, people, hash_checks):
    for email in (people.provider_a_user.email, "nobody@example.com"):
        response = client.post(
            url("accounts.login"), data={"email": email, "password": "not the password"}
        )
        assert field_error(response, "password") == WRONG_CREDENTIALS
    # One comparison for the wrong password, one against the dummy hash for nobody.
    assert hash_checks == [16, 16]


def test_a_64_character_password_works(app, client, auth):
    password = "p" * 32 + "あ" * 16 + "🔑" * 16
    assert len(password) == 64
    user = make_user("provider_user", password=password)
    db.session.commit()
    auth.login(client, user, password=password)


def test_an_over_long_password_is_refused_before_hashing(client, people, hash_checks):
    response = client.post(
        url("accounts.login"), data={"email": people.provider_a_user.email, "password": "x" * 1025}
    )
    assert response.status_code == 200
    assert field_error(response, "password") == "Enter at most 1024 characters."
    assert hash_checks == []


@pytest.mark.parametrize(
    ("encoding", "status"),
    [
        # MAX_FORM_MEMORY_SIZE (1 MB) does not apply to a URL-encoded body (Werkzeug 3):
        # the form's length check refuses the password, beside the field.
        ("application/x-www-form-urlencoded", 200),
        # In a multipart body it does (a part over 1 MB): 413 before the form is read.
        ("multipart/form-data", 413),
    ],
)
def test_a_one_megabyte_password_is_refused_before_hashing(
    client, people, hash_checks, encoding, status
):
    fields = {"email": people.provider_a_user.email, "password": "x" * (1024 * 1024 + 1)}
    if encoding == "multipart/form-data":
        # Encoded in memory: the test client's own encoder spools a large body to a
        # temporary file that it leaves open.
        boundary, body = encode_multipart(MultiDict(fields))
        content_type = f"{encoding}; boundary={boundary}"
    else:
        body, content_type = urlencode(fields), encoding
    response = client.post(url("accounts.login"), data=body, content_type=content_type)
    assert response.status_code == status
    if status == 200:
        assert field_error(response, "password") == "Enter at most 1024 characters."
    assert hash_checks == []
    assert db.session.scalar(select(User.last_login_at)) is None
