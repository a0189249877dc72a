"""A forgotten password: the link by mail, what it may do, and what it tells nobody."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.accounts.password_reset import PasswordReset
from app.activity.models import AccountAction, AccountEvent
from app.extensions import db
from app.mail.models import OutboxMessage
from app.models import utcnow
from tests.factories import PASSWORD
from tests.test_accounts import WRONG_CREDENTIALS, field_error, path, url

NEW_PASSWORD = "a brand new passphrase"
SENT = "If an active account uses this address, a link to set a new password is on its way"
GONE = "This link no longer works"
LINK = re.compile(r"http://\S+/password/reset/(\S+)")


def ask(client, email):
    return client.post(url("accounts.forgot_password"), data={"email": email})


def mails(kind="password_reset"):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()


def token_in(message) -> str:
    return LINK.search(message.body).group(1)


def set_password(client, token, new=NEW_PASSWORD, again=None):
    return client.post(
        url("accounts.reset_password", token=token),
        data={"new_password": new, "new_password_confirm": new if again is None else again},
    )


def page_after(client, response):
    assert response.status_code == 302
    return client.get(response.location)


def test_the_answer_is_the_same_whether_or_not_an_account_uses_the_address(client, people):
    known = page_after(client, ask(client, people.provider_a_user.email))
    unknown = page_after(client, ask(client, "nobody@nowhere.example.com"))
    people.provider_b.active = False
    db.session.commit()
    disabled = page_after(client, ask(client, people.provider_b.email))

    for page in (known, unknown, disabled):
        assert page.status_code == 200
        assert SENT in page.get_data(as_text=True)
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    # Only the active account's address gets mail.
    assert [m.recipient for m in mails()] == [people.provider_a_user.email]


def test_the_mail_is_in_the_users_language_and_its_link_sets_a_new_password(app, people, auth):
    user = people.reviewer  # staff: the new password does not skip the code step
    user.locale = "ja"
    db.session.commit()
    elsewhere = app.test_client()
    auth.login(elsewhere, user)
    client = app.test_client()

    page_after(client, ask(client, user.email.upper()))  # addresses are matched as typed

    (message,) = mails()
    assert message.language == "ja"
    assert message.subject == "パスワード再設定用のリンク"
    assert "60分間" in message.body
    token = token_in(message)
    form = client.get(url("accounts.reset_password", token=token))
    assert form.status_code == 200
    assert user.email in form.get_data(as_text=True)

    done = set_password(client, token)

    assert path(done) == url("accounts.login")
    assert "Sign in with it" in client.get(done.location).get_data(as_text=True)
    # Every session of the account ended; the old password no longer works, the new one
    # does, and still asks for the code.
    assert path(elsewhere.get(url("accounts.account"))) == url("accounts.login")
    old = app.test_client().post(
        url("accounts.login"), data={"email": user.email, "password": PASSWORD}
    )
    assert field_error(old, "password") == WRONG_CREDENTIALS
    signing_in = app.test_client().post(
        url("accounts.login"), data={"email": user.email, "password": NEW_PASSWORD}
    )
    assert path(signing_in) == url("accounts.login_code")
    # The address hears of the change; the account's activity shows both steps.
    assert [m.recipient for m in mails("password_changed")] == [user.email]
    actions = db.session.scalars(
        select(AccountEvent.action).where(AccountEvent.subject_id == user.id)
    ).all()
    assert str(AccountAction.PASSWORD_RESET_REQUESTED) in actions
    assert str(AccountAction.PASSWORD_RESET) in actions


def test_a_link_works_once(client, people):
    page_after(client, ask(client, people.provider_a_user.email))
    token = token_in(mails()[0])
    assert set_password(client, token).status_code == 302

    again = set_password(client, token, new="yet another passphrase")

    assert again.status_code == 404
    assert GONE in again.get_data(as_text=True)
    assert client.get(url("accounts.reset_password", token=token)).status_code == 404
    assert len(mails("password_changed")) == 1


def test_a_newer_link_replaces_the_older_and_asking_again_at_once_sends_no_second_mail(
    client, people
):
    user = people.provider_a_user
    page_after(client, ask(client, user.email))
    page_after(client, ask(client, user.email))
    assert len(mails()) == 1  # a link is on its way: no second mail yet
    older = token_in(mails()[0])
    db.session.execute(update(PasswordReset).values(created_at=utcnow() - timedelta(minutes=3)))
    db.session.commit()

    page_after(client, ask(client, user.email))

    assert len(mails()) == 2
    newer = token_in(mails()[1])
    assert client.get(url("accounts.reset_password", token=older)).status_code == 404
    assert client.get(url("accounts.reset_password", token=newer)).status_code == 200


@pytest.mark.parametrize("why", ["expired", "disabled", "unknown"])
def test_a_link_that_no_longer_works_says_so_and_changes_nothing(client, people, why):
    user = people.provider_a_user
    page_after(client, ask(client, user.email))
    token = token_in(mails()[0])
    if why == "expired":
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(1)))
    elif why == "disabled":
        user.active = False
    else:
        token = "x" + token[1:]
    db.session.commit()
    before = user.password_hash

    response = set_password(client, token)

    assert response.status_code == 404
    assert GONE in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before
    assert mails("password_changed") == []


@pytest.mark.parametrize(
    ("new", "again", "field", "message"),
    [
        ("too short", None, "new_password", "between 12 and 128"),
        ("x" * 129, None, "new_password", "between 12 and 128"),
        (NEW_PASSWORD, "something else entirely", "new_password_confirm", "match"),
    ],
)
def test_a_refused_new_password_keeps_the_link_and_changes_nothing(
    client, people, new, again, field, message
):
    user = people.provider_a_user
    page_after(client, ask(client, user.email))
    token = token_in(mails()[0])
    before = user.password_hash

    refused = set_password(client, token, new=new, again=again)

    assert refused.status_code == 200
    assert message in field_error(refused, field)
    db.session.refresh(user)
    assert user.password_hash == before
    # The link still works for a second try.
    assert set_password(client, token).status_code == 302


def test_the_address_field_has_limits_and_messages_in_both_languages(client):
    for lang, required in (("en", "This field is required."), ("ja", "この項目は必須です。")):
        client.post(url("core.set_language"), data={"lang": lang})
        empty = client.post(url("accounts.forgot_password"), data={"email": ""})
        assert empty.status_code == 200
        assert required in field_error(empty, "email")
    too_long = ask(client, "a" * 250 + "@example.com")
    assert too_long.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0


def test_asking_is_rate_limited_per_client(make_app, people):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    answers = [ask(client, f"someone{n}@example.com").status_code for n in range(6)]
    assert answers == [302] * 5 + [429]


def test_the_sign_in_page_leads_to_it(client):
    page = client.get(url("accounts.login")).get_data(as_text=True)
    assert url("accounts.forgot_password") in page
